/**
 * Shared setup for the contract tests: the scripts' community helper, deploying through the production Ignition
 * modules once per chain and reverting to that deployment for every test (Hardhat's loadFixture).
 */
import type { Signer } from "ethers";
import hre from "hardhat";

import { communityOn, deployCommunityContracts, type Settlement } from "../../scripts/lib/chain.js";
import { BERLIN_2023_SUPPLIERS } from "@kiezstrom/engine/scenario/tariffs-berlin-2023";
import { CLASS, intervalBids, orderRefs, tariffStruct, wait } from "../../scripts/lib/market-driver.js";

export const TARIFFS = BERLIN_2023_SUPPLIERS.map((s) => s.tariff);
export { EUR } from "../../scripts/lib/chain.js";

type Connection = Awaited<ReturnType<typeof hre.network.create>>;
type Deployed = Awaited<ReturnType<typeof deployCommunityContracts>>;

/** One chain per kind of community (order page size, settlement mode), each with its deployment as a named fixture
 *  (loadFixture takes no anonymous one). */
const chains = new Map<string, { connection: Connection; deployment: () => Promise<Deployed> }>();

interface CommunityKind {
  orderPageSize?: number;
  settlement?: Settlement;
}

async function chainFor(kind: CommunityKind) {
  const key = `${kind.settlement ?? "interval"}${kind.orderPageSize ?? 0}`;
  let chain = chains.get(key);
  if (!chain) {
    await hre.tasks.getTask("build").run({ quiet: true });
    const connection = await hre.network.create();
    const deployment = { [`community_${key}`]: () => deployCommunityContracts(connection, { tariffs: TARIFFS, ...kind }) }[`community_${key}`];
    chain = { connection, deployment };
    chains.set(key, chain);
  }
  return chain;
}

/** A community as deployed in production, or with smaller order pages (`orderPageSize: 1` pages every order), or
 *  settling a day at a time (`settlement: "day"`), on a chain reverted to its deployment. */
export async function deployCommunity(options: CommunityKind = {}) {
  const { connection, deployment } = await chainFor(options);
  const c = await communityOn(connection, await connection.networkHelpers.loadFixture(deployment), { tariffs: TARIFFS, ...options });
  const signers = await c.ethers.getSigners();
  const [supplier0, supplier1] = c.roles.suppliers;

  async function register(account: Signer, cls: keyof typeof CLASS, supplier = 0, importLimitWh = 5_000, exportLimitWh = 5_000) {
    await wait(c.market.connect(account).register(CLASS[cls], supplier, importLimitWh, cls === "consumer" ? 0 : exportLimitWh));
    // a prosumer sells only once the meter operator has confirmed its metering point
    if (cls !== "consumer") await c.confirmMeteringPoint(await account.getAddress());
    c.participants.set((await account.getAddress()).toLowerCase(), { supplier });
  }

  /** What the factory takes for another community with this one's roles, token and tariffs; `changes` override. */
  async function communityInit(changes: Record<string, unknown> = {}) {
    return {
      admin: await c.roles.admin.getAddress(),
      operator: await c.roles.operator.getAddress(),
      meter: await c.roles.meter.getAddress(),
      token: await c.token.getAddress(),
      platform: await c.roles.platform.getAddress(),
      taxCollector: await c.roles.taxCollector.getAddress(),
      networkOperator: await c.roles.networkOperator.getAddress(),
      suppliers: await Promise.all(c.roles.suppliers.map((x) => x.getAddress())),
      tariffs: TARIFFS.map(tariffStruct),
      gateLeadSeconds: 300,
      dayStartSlot: 92,
      orderPageSize: 400,
      settlement: 0,
      ...changes,
    };
  }

  return {
    ...c,
    communityInit,
    networkHelpers: c.connection.networkHelpers,
    roles: { ...c.roles, supplier0, supplier1 },
    /** Household signers in ascending order of address: readings listed in their order are as the meter posts them. */
    households: await ascending(signers.slice(8)),
    /** More household wallets than the chain's dev accounts, with gas money. */
    newHouseholds: c.households,
    register,
    /** The interval's relayed batches as its events tell them. */
    batches: async (interval: number) => (await intervalBids(c.market, interval)).batches,
    /** Commits an order page of the given bid indexes, handing back the relayed batches that hold them. */
    async submitOrder(interval: number, side: number, bidIndexes: number[]) {
      const refs = orderRefs((await intervalBids(c.market, interval)).batches, bidIndexes);
      return c.market.submitOrder(interval, side, refs.batches, refs.order);
    },
    /** Orders and clears in one transaction, handing back the relayed batches named. */
    async orderAndClear(interval: number, sellOrder: number[], buyOrder: number[], sellPos: number, buyPos: number) {
      const refs = orderRefs((await intervalBids(c.market, interval)).batches, [...sellOrder, ...buyOrder]);
      return c.market.orderAndClear(interval, refs.batches, refs.order.slice(0, sellOrder.length), refs.order.slice(sellOrder.length), sellPos, buyPos);
    },
    /** Opens the interval `offset` ahead of the chain's clock and returns it. */
    openNextInterval: (offset = 2) => c.openIntervals(1, offset),
  };
}

async function ascending(signers: Signer[]): Promise<Signer[]> {
  const withAddress = await Promise.all(signers.map(async (s) => ({ s, a: BigInt(await s.getAddress()) })));
  return withAddress.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0)).map((x) => x.s);
}
