/** Markets the refusal tests start from: four registered, funded households and an open interval, or the same with
 *  bids placed and the gate closed. */
import type { OrderBid } from "@kiezstrom/engine/market/clearing";
import { SIDE, type Reading } from "../../scripts/lib/market-driver.js";
import { deployCommunity, EUR, TARIFFS } from "./fixture.js";

export const T0 = TARIFFS[0].prices;

/** Four registered, funded households and one open interval. */
export async function market() {
  const f = await deployCommunity();
  const [pv, battery, consumer, consumer2, stranger] = f.households;
  await f.register(pv, "pv", 0);
  await f.register(battery, "pvBattery", 0);
  await f.register(consumer, "consumer", 0);
  await f.register(consumer2, "consumer", 1);
  await f.fund([pv, battery, consumer, consumer2], 20n * EUR);
  await f.fund([f.roles.supplier0, f.roles.supplier1], 20n * EUR);
  const interval = await f.openNextInterval();
  return { ...f, pv, battery, consumer, consumer2, stranger, interval };
}

/** A market with bids placed and the gate closed, ready to clear. */
export async function closedMarket() {
  const m = await market();
  const placed: [typeof m.pv, "sell" | "buy", number, number][] = [
    [m.pv, "sell", 800, 100_000],
    [m.battery, "sell", 500, 120_000],
    [m.consumer, "buy", 600, 140_000],
    [m.consumer2, "buy", 900, 125_000],
  ];
  const bids: OrderBid[] = [];
  for (const [who, side, wh, price] of placed) {
    await m.market.connect(who).placeBid(m.interval, SIDE[side], wh, price);
    bids.push({ index: bids.length, participant: await who.getAddress(), side, wh, price });
  }
  await m.closeGate(m.interval);
  return { ...m, bids };
}

export async function readingsOf(m: Awaited<ReturnType<typeof market>>): Promise<Reading[]> {
  return [
    { participant: await m.pv.getAddress(), importWh: 0, exportWh: 800 },
    { participant: await m.battery.getAddress(), importWh: 0, exportWh: 500 },
    { participant: await m.consumer.getAddress(), importWh: 600, exportWh: 0 },
    { participant: await m.consumer2.getAddress(), importWh: 900, exportWh: 0 },
  ];
}

/** The closed market cleared, its four readings posted in one meter page and metering finished. */
export async function meteredMarket() {
  const m = await closedMarket();
  const readings = await readingsOf(m);
  const cleared = await m.driver.clear(m.interval);
  const { pages } = await m.driver.meter(m.interval, readings);
  return { ...m, readings, cleared, pages, metered: pages[0], op: m.market.connect(m.roles.operator) };
}
