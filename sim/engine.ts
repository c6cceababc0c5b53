/**
 * The simulation engine: runs a scenario's community through BAU (grid at ToU/FiT) and the LEM (bids, the
 * reference clearing, P2P trades, residual to the grid) interval by interval, and accumulates the KPIs.
 * Pure and deterministic: no file, clock or chain access; the same scenario and seed give the same result.
 */
import { Battery } from "./battery.js";
import { DAY_MS, dayOfYear, dayStartSlot, dayTypeOf, dynamisation, INTERVALS_PER_DAY, intervalId, parseDate, seasonOf } from "./calendar.js";
import { buildCommunity, ORIENTATIONS, type Household } from "./community.js";
import { bauBill, isDayStart, lemBillFromAmounts, type BillLines } from "./market/billing.js";
import { clearInterval, type ClearingResult, type OrderBid } from "./market/clearing.js";
import { dayOrderSides } from "./market/day.js";
import { MIN_BID_WH } from "./market/onchain.js";
import type { SupplierTariff } from "./market/tariff.js";
import { applianceLoadWh, h0LoadWh } from "./profiles/load.js";
import { clearSkyPoa, pvCalibration, seededWeather } from "./profiles/solar.js";
import { Random } from "./random.js";
import type { Scenario } from "./scenario/scenario.js";
import { batteryBuyCap, type BidKind, type BidStrategy, bidStrategy, standingOrdersOf, storedEnergyValueNano } from "./strategy.js";

/** What one interval looked like, for callers that replay it (the on-chain demo) or chart it. */
export interface IntervalDetail {
  /** Position in the run (0-based) and chain interval id. */
  step: number;
  interval: number;
  dayIndex: number;
  slot: number;
  dayStart: boolean;
  /** `level`: the price level an adaptive strategy chose. */
  bids: (OrderBid & { kind: BidKind; household: number; level?: number })[];
  clearing: ClearingResult;
  /** Metered net import and export per household, Wh. */
  readings: { importWh: number; exportWh: number }[];
  /** LEM and BAU bill per household. */
  lemBills: BillLines[];
  bauBills: BillLines[];
  /** Per household: load and PV of the interval (Wh), and its LEM battery's charge at the end (Wh; null: none). */
  loadWh: ArrayLike<number>;
  pvWh: ArrayLike<number>;
  batterySocWh: (number | null)[];
}

export interface IntervalRecord {
  interval: number;
  /** ISO local time of the interval start (local standard time, no DST). */
  localTime: string;
  loadWh: number;
  pvWh: number;
  importBauWh: number;
  exportBauWh: number;
  importLemWh: number;
  exportLemWh: number;
  p2pWh: number;
  /** The price paid per kWh of P2P energy (µEUR/kWh, rounded): volume-weighted over the interval's trades, the uniform
   *  price under uniform clearing; 0 when nothing traded. */
  price: number;
  /** What buyers paid sellers (Wh × µEUR/kWh = nano-euro): the exact figure behind `price`. */
  p2pValue: number;
  bids: number;
}

export interface HouseholdResult {
  household: Household;
  /** Totals over the run, in nano-euro (Wh × µEUR/kWh). */
  bauNano: number;
  lemNano: number;
  loadWh: number;
  pvWh: number;
  importBauWh: number;
  exportBauWh: number;
  gridImportLemWh: number;
  gridExportLemWh: number;
  p2pBoughtWh: number;
  p2pSoldWh: number;
  /** Intervals whose LEM bill was above the BAU bill (the case study's eqs. 20–21 ask for none). */
  worseOffIntervals: number;
  /** P2P energy traded but not delivered (sold beyond the metered export, bought beyond the metered import), Wh:
   *  settled with the grid at its prices. Zero with a perfect forecast. */
  imbalanceWh: number;
  /** The battery's charge at the end of the run, valued at the import it will save (strategy.storedEnergyValueNano),
   *  in BAU and in the LEM; 0 without a battery. */
  endChargeBauNano: number;
  endChargeLemNano: number;
}

export interface SupplierTotals {
  /** Energy margin: ESM on grid imports (+ ESM_LEM on P2P purchases in the LEM), nano-euro. */
  marginBauNano: number;
  marginLemNano: number;
  /** Network operator income from this supplier's customers, nano-euro. */
  networkBauNano: number;
  networkLemNano: number;
  /** Levies and taxes collected, nano-euro. */
  leviesBauNano: number;
  leviesLemNano: number;
  platformNano: number;
}

export interface SimulationResult {
  scenario: Scenario;
  households: HouseholdResult[];
  intervals: IntervalRecord[];
  suppliers: SupplierTotals[];
  days: number;
  dayStartSlot: number;
}

export interface RunOptions {
  /** Called after each interval with its full detail (bids, clearing, readings, bills). */
  onInterval?: (detail: IntervalDetail) => void | Promise<void>;
  /** Called with the fraction done, at most once per simulated day. */
  onProgress?: (done: number, total: number) => void;
}

const round = Math.round;

/** Runs the scenario. Async only so that `onInterval` may await (the demo submits each interval on chain). */
export async function simulate(scenario: Scenario, options: RunOptions = {}): Promise<SimulationResult> {
  const firstDay = parseDate(scenario.start);
  if (firstDay === null) throw new Error(`scenario start ${scenario.start} is not a date`);
  const homes = buildCommunity(scenario);
  const site = scenario.location;
  const tariffs: SupplierTariff[] = scenario.suppliers.map((s) => s.tariff);
  const calibration = pvCalibration(site, scenario.pvYieldKWhPerKWp);
  const weather = seededWeather(scenario.seed, firstDay, scenario.days);
  const startSlot = dayStartSlot(site.utcOffsetHours);
  const marketOn = scenario.market.enabled;
  const mechanism = scenario.market.mechanism;
  const n = homes.length;
  // Day mode (sim/market/day.ts, contracts/MarketDays.sol): each household's metered net position is its order, at its
  // standing order's floor (an export) or cap (an import); batteries only serve their own home.
  const dayMode = scenario.market.settlement === "day";
  const strategy = bidStrategy(scenario.market.strategy ?? "zero-intelligence");
  const forecast = scenario.market.forecast ?? { method: "perfect" };
  const forecastRng = homes.map((h) => new Random(`forecast:${scenario.seed}:${h.index}`));
  // each household's metered position in the interval before (persistence forecasts bid it)
  const lastEx = new Int32Array(n);
  const lastUn = new Int32Array(n);
  /** The Wh a household bids for a metered `actual` (this interval) or `last` (the one before). */
  const forecastWh = (i: number, actual: number, last: number): number => {
    if (forecast.method === "persistence") return last;
    if (forecast.method === "noisy") return Math.max(0, Math.round(actual * (1 + (forecast.errorPct / 100) * forecastRng[i].normal())));
    return actual;
  };
  const standing = dayMode ? standingOrdersOf(scenario, homes) : [];
  const standingSides = standing.map((o, i) => dayOrderSides(o, tariffs[homes[i].supplier]));

  const bauBatteries = homes.map((h) => (h.battery ? new Battery(h.battery) : null));
  const lemBatteries = homes.map((h) => (h.battery ? new Battery(h.battery) : null));
  const noiseRng = homes.map((h) => new Random(`load:${scenario.seed}:${h.index}`));
  const priceRng = homes.map((h) => new Random(`bids:${scenario.seed}:${h.index}`));
  const results: HouseholdResult[] = homes.map((household) => ({
    household,
    bauNano: 0,
    lemNano: 0,
    loadWh: 0,
    pvWh: 0,
    importBauWh: 0,
    exportBauWh: 0,
    gridImportLemWh: 0,
    gridExportLemWh: 0,
    p2pBoughtWh: 0,
    p2pSoldWh: 0,
    worseOffIntervals: 0,
    imbalanceWh: 0,
    endChargeBauNano: 0,
    endChargeLemNano: 0,
  }));
  const suppliers: SupplierTotals[] = tariffs.map(() => ({
    marginBauNano: 0,
    marginLemNano: 0,
    networkBauNano: 0,
    networkLemNano: 0,
    leviesBauNano: 0,
    leviesLemNano: 0,
    platformNano: 0,
  }));
  const intervals: IntervalRecord[] = [];

  // Every household's load and PV, a day at a time as the run (and the batteries' look-ahead) reaches it
  const steps = scenario.days * INTERVALS_PER_DAY;
  const dayProfile = (day: number) => {
    const loads = new Int32Array(INTERVALS_PER_DAY * n);
    const pvs = new Int32Array(INTERVALS_PER_DAY * n);
    const dayMs = firstDay + day * DAY_MS;
    const doy = dayOfYear(dayMs);
    const season = seasonOf(dayMs);
    const dayType = dayTypeOf(dayMs);
    const weekday = new Date(dayMs).getUTCDay();
    const dyn = dynamisation(doy);
    const poaDay = new Float64Array(ORIENTATIONS.length);
    for (let slot = 0; slot < INTERVALS_PER_DAY; slot++) {
      const clearness = weather.clearness(day, slot);
      for (let o = 0; o < ORIENTATIONS.length; o++) poaDay[o] = clearSkyPoa(site, doy, slot, ORIENTATIONS[o]) * calibration * clearness;
      const base = slot * n;
      for (let i = 0; i < n; i++) {
        const h = homes[i];
        const noise = Math.max(0.2, 1 + h.noise * noiseRng[i].normal());
        loads[base + i] = round(
          h.appliances ? applianceLoadWh(h.appliances, weekday, slot) : h0LoadWh(h.annualKWh, season, dayType, slot, dyn, h.shift, noise),
        );
        pvs[base + i] = h.pvKWp > 0 ? round(h.pvKWp * poaDay[h.orientation] * 0.85 * 0.25) : 0;
      }
    }
    return { loads, pvs };
  };
  const future = new DayProfiles(dayProfile, n, steps);

  const load = new Float64Array(n);
  const pv = new Float64Array(n);
  const ex = new Int32Array(n);
  const un = new Int32Array(n);
  // the bid of each kind per household in the current interval (-1: none)
  const peerDischargeBid = new Int32Array(n);
  const peerChargeBid = new Int32Array(n);
  // Wh each household has bid this interval, a side: the registered limits hold per interval, not per bid
  const bidWh = { sell: new Int32Array(n), buy: new Int32Array(n) };

  for (let day = 0; day < scenario.days; day++) {
    const dayMs = firstDay + day * DAY_MS;
    for (let slot = 0; slot < INTERVALS_PER_DAY; slot++) {
      const id = intervalId(dayMs, slot, site.utcOffsetHours);
      const dayStart = isDayStart(id, startSlot);
      const hour = slot / 4;
      const step = day * INTERVALS_PER_DAY + slot;

      // ---- physical step: load, PV, batteries serving their own home (BAU and LEM alike)
      let loadSum = 0;
      let pvSum = 0;
      let bauImportSum = 0;
      let bauExportSum = 0;
      const bauImport = new Int32Array(n);
      const bauExport = new Int32Array(n);
      future.release(day);
      const today = future.day(day);
      for (let i = 0; i < n; i++) {
        const l = today.loads[slot * n + i];
        const p = today.pvs[slot * n + i];
        load[i] = l;
        pv[i] = p;
        loadSum += l;
        pvSum += p;
        const net = l - p;
        const bauGrid = selfServe(bauBatteries[i], net);
        bauImport[i] = Math.max(bauGrid, 0);
        bauExport[i] = Math.max(-bauGrid, 0);
        const lemGrid = selfServe(lemBatteries[i], net);
        un[i] = Math.max(lemGrid, 0);
        ex[i] = Math.max(-lemGrid, 0);
        bauImportSum += bauImport[i];
        bauExportSum += bauExport[i];
      }

      // ---- bids
      const bids: IntervalDetail["bids"] = [];
      peerDischargeBid.fill(-1);
      bidWh.sell.fill(0);
      bidWh.buy.fill(0);
      peerChargeBid.fill(-1);
      if (marketOn && dayMode) {
        for (let i = 0; i < n; i++) {
          // bid index = household index, as the chain ranks ties by member index
          const order = standing[i];
          const participant = String(i);
          if (ex[i] > 0 && standingSides[i].sells)
            bids.push({ index: i, participant, side: "sell", wh: ex[i], price: order.floor, kind: "surplus", household: i });
          if (un[i] > 0 && standingSides[i].buys) bids.push({ index: i, participant, side: "buy", wh: un[i], price: order.cap, kind: "demand", household: i });
        }
      } else if (marketOn) {
        for (let i = 0; i < n; i++) {
          const h = homes[i];
          if (!h.preferences.autoTrading) continue;
          const exportBid = forecastWh(i, ex[i], lastEx[i]);
          const importBid = forecastWh(i, un[i], lastUn[i]);
          if (exportBid > 0) addBid(bids, bidWh, strategy, h, tariffs, priceRng[i], "surplus", "sell", exportBid);
          if (importBid > 0) addBid(bids, bidWh, strategy, h, tariffs, priceRng[i], "demand", "buy", importBid);
          const battery = lemBatteries[i];
          if (battery) {
            const reserveWh = (h.preferences.batteryReservePct / 100) * battery.spec.capacityWh;
            // evening: sell what is stored above the reserve and the home's own need until morning
            if (hour >= 17 && hour < 22 && !battery.isCharging) {
              const hoursToMorning = 24 - hour + 7;
              const ownNeedWh = (h.annualKWh / 8760) * 1000 * hoursToMorning * 1.2;
              const spare = Math.min(
                battery.dischargeAvailableWh(reserveWh + ownNeedWh / battery.spec.dischargeEfficiency),
                safePeerTradeWh(battery, future, i, step, "sell"),
              );
              if (spare >= 50) peerDischargeBid[i] = addBid(bids, bidWh, strategy, h, tariffs, priceRng[i], "batterySell", "sell", spare);
            }
            // midday: buy from peers to charge what the home's own PV does not fill
            if (hour >= 10 && hour < 15 && !battery.isDischarging && battery.socWh < battery.maxWh * 0.9) {
              const room = Math.min(battery.chargeRoomWh(), safePeerTradeWh(battery, future, i, step, "buy"));
              if (room >= 50) peerChargeBid[i] = addBid(bids, bidWh, strategy, h, tariffs, priceRng[i], "batteryBuy", "buy", room);
            }
          }
        }
      }
      const clearing = clearInterval(bids, mechanism);
      learnFrom(strategy, bids, clearing, tariffs, homes);

      // ---- settle the physics of the trades and meter the interval
      const sold = new Float64Array(n);
      const bought = new Float64Array(n);
      const proceeds = new Float64Array(n);
      const cost = new Float64Array(n);
      for (const trade of clearing.trades) {
        const s = Number(trade.seller);
        const b = Number(trade.buyer);
        sold[s] += trade.wh;
        bought[b] += trade.wh;
        proceeds[s] += trade.wh * trade.price;
        cost[b] += trade.wh * trade.price;
      }
      const readings: IntervalDetail["readings"] = new Array(n);
      const lemBills: BillLines[] = new Array(n);
      const bauBills: BillLines[] = new Array(n);
      let importLemSum = 0;
      let exportLemSum = 0;
      for (let i = 0; i < n; i++) {
        const battery = lemBatteries[i];
        let exportWh = ex[i];
        let importWh = un[i];
        if (battery) {
          const dis = peerDischargeBid[i] >= 0 ? (clearing.fills.get(peerDischargeBid[i]) ?? 0) : 0;
          const chg = peerChargeBid[i] >= 0 ? (clearing.fills.get(peerChargeBid[i]) ?? 0) : 0;
          battery.discharge(dis);
          battery.charge(chg);
          exportWh += dis;
          importWh += chg;
        }
        readings[i] = { importWh, exportWh };
        const h = homes[i];
        const tariff = tariffs[h.supplier];
        const lem = lemBillFromAmounts({ importWh, exportWh, p2pBoughtWh: bought[i], p2pSoldWh: sold[i] }, cost[i], proceeds[i], tariff, dayStart);
        const bau = bauBill(bauImport[i], bauExport[i], tariff, dayStart);
        lemBills[i] = lem;
        bauBills[i] = bau;
        const r = results[i];
        r.bauNano += bau.net;
        r.lemNano += lem.net;
        r.loadWh += load[i];
        r.pvWh += pv[i];
        r.importBauWh += bauImport[i];
        r.exportBauWh += bauExport[i];
        r.gridImportLemWh += lem.gridImportWh;
        r.gridExportLemWh += lem.gridExportWh;
        r.p2pBoughtWh += bought[i];
        r.p2pSoldWh += sold[i];
        if (lem.net > bau.net) r.worseOffIntervals++;
        r.imbalanceWh += Math.max(0, sold[i] - exportWh) + Math.max(0, bought[i] - importWh);
        importLemSum += lem.gridImportWh;
        exportLemSum += lem.gridExportWh;
        const t = tariff.prices;
        const sup = suppliers[h.supplier];
        sup.marginBauNano += bauImport[i] * t.supplierMargin;
        sup.marginLemNano += lem.gridImportWh * t.supplierMargin + bought[i] * t.lemSupplierMargin;
        sup.networkBauNano += bauImport[i] * t.networkFee;
        sup.networkLemNano += lem.gridImportWh * t.networkFee + bought[i] * t.lemNetworkFee;
        sup.leviesBauNano += bauImport[i] * t.levies;
        sup.leviesLemNano += (lem.gridImportWh + bought[i]) * t.levies;
        sup.platformNano += bought[i] * t.platformFee;
      }
      lastEx.set(ex);
      lastUn.set(un);
      for (const b of lemBatteries) b?.step();
      for (const b of bauBatteries) b?.step();

      const localMs = dayMs + slot * 900_000;
      intervals.push({
        interval: id,
        localTime: new Date(localMs).toISOString().slice(0, 16),
        loadWh: loadSum,
        pvWh: pvSum,
        importBauWh: bauImportSum,
        exportBauWh: bauExportSum,
        importLemWh: importLemSum,
        exportLemWh: exportLemSum,
        p2pWh: clearing.matchedWh,
        price: clearing.matchedWh > 0 ? Math.round(clearing.valueUnits / clearing.matchedWh) : 0,
        p2pValue: clearing.valueUnits,
        bids: bids.length,
      });
      if (options.onInterval) {
        await options.onInterval({
          step: intervals.length - 1,
          interval: id,
          dayIndex: day,
          slot,
          dayStart,
          bids,
          clearing,
          readings,
          lemBills,
          bauBills,
          loadWh: today.loads.subarray(slot * n, slot * n + n),
          pvWh: today.pvs.subarray(slot * n, slot * n + n),
          batterySocWh: lemBatteries.map((b) => (b ? b.socWh : null)),
        });
      }
    }
    options.onProgress?.(day + 1, scenario.days);
  }
  for (const [i, h] of homes.entries()) {
    if (!h.battery) continue;
    const t = tariffs[h.supplier].prices;
    results[i].endChargeBauNano = storedEnergyValueNano(bauBatteries[i]!.socWh, t, h.battery);
    results[i].endChargeLemNano = storedEnergyValueNano(lemBatteries[i]!.socWh, t, h.battery);
  }
  return { scenario, households: results, intervals, suppliers, days: scenario.days, dayStartSlot: startSlot };
}

/**
 * Every household's load and PV (Wh), computed a day at a time, in day order (the load noise draws in that order), and
 * kept only while the batteries' look-ahead may read them: the current day and LOOKAHEAD_STEPS ahead. A year of
 * 10,000 households holds five days, not 365.
 */
class DayProfiles {
  private readonly days = new Map<number, { loads: Int32Array; pvs: Int32Array }>();
  private computed = -1;

  constructor(
    private readonly compute: (day: number) => { loads: Int32Array; pvs: Int32Array },
    readonly n: number,
    readonly steps: number,
  ) {}

  day(d: number): { loads: Int32Array; pvs: Int32Array } {
    while (this.computed < d) {
      this.computed++;
      this.days.set(this.computed, this.compute(this.computed));
    }
    const profile = this.days.get(d);
    if (!profile) throw new Error(`day ${d} was released`);
    return profile;
  }

  /** A household's net load (load − PV) at a step of the run. */
  net(step: number, household: number): number {
    const p = this.day(Math.floor(step / INTERVALS_PER_DAY));
    const k = (step % INTERVALS_PER_DAY) * this.n + household;
    return p.loads[k] - p.pvs[k];
  }

  /** Drops the days before `d`: no look-ahead reads the past. */
  release(d: number) {
    for (const k of this.days.keys()) if (k < d) this.days.delete(k);
  }
}

/** What the battery look-ahead reads: each household's net load per step of the run. */
interface FutureLoads {
  net(step: number, household: number): number;
  steps: number;
}

/** Battery flows are whole Wh (rounded down) while the look-ahead is exact: keep this much in hand. */
const ROUNDING_MARGIN_WH = 2;

/** How far a battery looks ahead before it declines a peer trade it cannot prove harmless (four days). */
const LOOKAHEAD_STEPS = 4 * INTERVALS_PER_DAY;

/**
 * How much a battery may trade with peers now without making its home import more, or export more, than
 * under BAU at any later interval. It walks the battery's own future path (serving its own home, with the
 * loads the run will have). Selling δ lowers that path by δ until it fills up, where the lower battery stores
 * what the fuller one would have exported ("catch-up"); the sale is safe while the lowered path never reaches
 * min SOC earlier: δ ≤ min over the future of (stored − min + catch-up so far). Buying is the mirror image
 * (room left, and the deficit an empty path could not serve). Declined (0) when the look-ahead cannot
 * settle it.
 *
 * Returns delivered Wh for a sale ("sell"), input Wh for a purchase ("buy").
 */
export function safePeerTradeWh(b: Battery, f: FutureLoads, household: number, step: number, side: "sell" | "buy"): number {
  const spec = b.spec;
  const powerWh = spec.maxChargeW * 0.25;
  const dischargeWh = spec.maxDischargeW * 0.25;
  const selling = side === "sell";
  let soc = b.socWh;
  let bound = selling ? soc - b.minWh : b.maxWh - soc;
  let catchUp = 0;
  for (let s = step + 1; s < f.steps; s++) {
    if (bound <= 0) return 0;
    if (catchUp >= bound) break;
    if (s - step > LOOKAHEAD_STEPS) return 0;
    const net = f.net(s, household);
    if (net < 0) {
      const offered = Math.min(-net, powerWh);
      const taken = Math.min(offered, (b.maxWh - soc) / spec.chargeEfficiency);
      soc += taken * spec.chargeEfficiency;
      if (selling) catchUp += (offered - taken) * spec.chargeEfficiency;
    } else {
      const wanted = Math.min(net, dischargeWh);
      const served = Math.min(wanted, (soc - b.minWh) * spec.dischargeEfficiency);
      soc -= served / spec.dischargeEfficiency;
      if (!selling) catchUp += (wanted - served) / spec.dischargeEfficiency;
    }
    bound = Math.min(bound, (selling ? soc - b.minWh : b.maxWh - soc) + catchUp);
  }
  const margin = bound - ROUNDING_MARGIN_WH;
  return Math.max(0, Math.floor(selling ? margin * spec.dischargeEfficiency : margin / spec.chargeEfficiency));
}

/**
 * Own load first, then the battery: surplus PV charges the battery and the rest is exported; a deficit is
 * served from the battery down to its minimum SOC and the rest imported. Returns what is left for the grid: an
 * import positive, an export negative (one number, so the hot loop allocates nothing).
 */
function selfServe(battery: Battery | null, netWh: number): number {
  if (netWh < 0) {
    const surplus = -netWh;
    const charge = battery ? Math.min(surplus, battery.chargeRoomWh()) : 0;
    battery?.charge(charge);
    return -(surplus - charge);
  }
  const discharge = battery ? Math.min(netWh, battery.dischargeAvailableWh()) : 0;
  battery?.discharge(discharge);
  return netWh - discharge;
}

/** Adds a bid within the household's limit and preferences; returns its index, or -1 when none is placed. */
function addBid(
  bids: IntervalDetail["bids"],
  bidWh: { sell: Int32Array; buy: Int32Array },
  strategy: BidStrategy,
  h: Household,
  tariffs: readonly SupplierTariff[],
  rng: Random,
  kind: BidKind,
  side: "sell" | "buy",
  wh: number,
): number {
  const limit = side === "sell" ? h.exportLimitWh : h.importLimitWh;
  const energy = Math.min(wh, limit - bidWh[side][h.index]);
  // the market refuses bids below its minimum size (KiezMarket: BidBelowMinimum)
  if (energy < MIN_BID_WH) return -1;
  const t = tariffs[h.supplier].prices;
  // a battery buys from peers only below what the energy is worth to it later
  const prefs =
    kind === "batteryBuy" && h.battery
      ? { ...h.preferences, maxBuyPrice: Math.min(h.preferences.maxBuyPrice ?? Number.POSITIVE_INFINITY, batteryBuyCap(t, h.battery)) }
      : h.preferences;
  const priced = strategy.price(h.index, kind, t, prefs, rng);
  if (priced === null) return -1;
  bidWh[side][h.index] += energy;
  const index = bids.length;
  bids.push({ index, participant: String(h.index), side, wh: energy, price: priced.price, kind, household: h.index, level: priced.level });
  return index;
}

/** What each adaptive bid's fill and its value teach the strategy (the others learn nothing). */
function learnFrom(
  strategy: BidStrategy,
  bids: IntervalDetail["bids"],
  clearing: ClearingResult,
  tariffs: readonly SupplierTariff[],
  homes: readonly Household[],
) {
  if (!bids.some((b) => b.level !== undefined)) return;
  const value = new Map<number, number>();
  for (const t of clearing.trades) {
    value.set(t.sellIndex, (value.get(t.sellIndex) ?? 0) + t.wh * t.price);
    value.set(t.buyIndex, (value.get(t.buyIndex) ?? 0) + t.wh * t.price);
  }
  for (const b of bids) {
    if (b.level === undefined) continue;
    strategy.learn(b.household, b.kind, b.level, clearing.fills.get(b.index) ?? 0, value.get(b.index) ?? 0, tariffs[homes[b.household].supplier].prices);
  }
}
