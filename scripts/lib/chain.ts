/**
 * A Kiezstrom community on a chain: the in-process Hardhat chain by default, or any RPC. Deploys through the
 * production Ignition modules and hands out household wallets. Shared by the demo, the gas report and the
 * benchmarks.
 */
import hre from "hardhat";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";

import CommunityModule from "../../deploy/modules/Community.js";
import type { EuroToken, KiezMarket, MarketFactory } from "../../types/ethers-contracts/index.js";
import type { SupplierTariff } from "@kiezstrom/engine/market/tariff";
import { CLASS, INTERVAL_SECONDS, MarketDriver, tariffStruct, wait, type DriverOptions, type ParticipantInfo } from "./market-driver.js";

export const EUR = 10n ** 18n;

export interface CommunityOptions {
  /** JSON-RPC URL of a running node; the in-process Hardhat chain when absent. */
  rpc?: string;
  tariffs: readonly SupplierTariff[];
  driver?: DriverOptions;
  gateLeadSeconds?: number;
  dayStartSlot?: number;
  /** Entries of every committed order page but a side's last (the market's default 400). */
  orderPageSize?: number;
  /** Interval by interval (the default) or a day at a time (contracts/MarketDays.sol). */
  settlement?: Settlement;
}

export type Settlement = "interval" | "day";
/** The contract's SettlementMode values. */
export const SETTLEMENT_MODE = { interval: 0, day: 1 } as const satisfies Record<Settlement, number>;

export type Community = Awaited<ReturnType<typeof createCommunity>>;

/**
 * The demos' cross-check: what each account settled on chain since `before` (the balance, free and locked, it gave
 * up, plus the debt it took on) against the engine's bill in wei. Returns how many differ and the largest difference.
 */
export async function crossCheck(
  market: KiezMarket,
  accounts: readonly string[],
  before: readonly { free: bigint; locked: bigint }[],
  engineWei: readonly bigint[],
): Promise<{ mismatches: number; maxDiffWei: bigint }> {
  let mismatches = 0;
  let maxDiffWei = 0n;
  for (const [i, account] of accounts.entries()) {
    const after = await market.accountOf(account);
    const settledWei = before[i].free + before[i].locked - (after.free + after.locked) + (await market.owed(account));
    const diff = settledWei > engineWei[i] ? settledWei - engineWei[i] : engineWei[i] - settledWei;
    if (diff !== 0n) mismatches++;
    if (diff > maxDiffWei) maxDiffWei = diff;
  }
  return { mismatches, maxDiffWei };
}

type Connection = Awaited<ReturnType<typeof hre.network.create>>;

/** Compiles if needed, connects, and deploys token, market system and one community. */
export async function createCommunity(options: CommunityOptions) {
  await hre.tasks.getTask("build").run({ quiet: true });
  if (options.rpc) process.env.KIEZSTROM_RPC_URL = options.rpc;
  const connection = options.rpc ? await hre.network.create("rpc") : await hre.network.create();
  return communityOn(connection, await deployCommunityContracts(connection, options), options);
}

/** Deploys token, market system and one community on a connection, through the production Ignition modules. */
export async function deployCommunityContracts(connection: Connection, options: CommunityOptions) {
  const { ethers, ignition } = connection;
  const deployed = await ignition.deploy(CommunityModule, {
    // On a running node, each run is its own deployment (Ignition would otherwise resume an earlier one).
    ...(options.rpc ? { deploymentId: `local-${(await ethers.provider.getNetwork()).chainId}-${Date.now()}` } : {}),
    parameters: {
      Community: {
        tariffs: options.tariffs.map(tariffStruct) as never,
        ...(options.gateLeadSeconds !== undefined ? { gateLeadSeconds: options.gateLeadSeconds } : {}),
        ...(options.dayStartSlot !== undefined ? { dayStartSlot: options.dayStartSlot } : {}),
        ...(options.orderPageSize !== undefined ? { orderPageSize: options.orderPageSize } : {}),
        ...(options.settlement !== undefined ? { settlement: SETTLEMENT_MODE[options.settlement] } : {}),
      },
    },
  });
  return {
    token: deployed.token as unknown as EuroToken,
    market: deployed.market as unknown as KiezMarket,
    factory: deployed.factory as unknown as MarketFactory,
  };
}

/**
 * The community's roles, driver and helpers around deployed contracts. Everything it keeps besides the chain (the
 * participants' suppliers, the next metering point and interval) starts afresh, so that it can be rebuilt on a chain
 * reverted to a snapshot of the deployment (the contract tests' loadFixture).
 */
export async function communityOn(connection: Connection, deployed: Awaited<ReturnType<typeof deployCommunityContracts>>, options: CommunityOptions) {
  const { ethers } = connection;
  const { token, market, factory } = deployed;
  const signers = await ethers.getSigners();
  if (signers.length < 8) throw new Error(`the chain offers ${signers.length} unlocked accounts; 8 are needed for the roles`);
  const [admin, operator, meter, platform, taxCollector, networkOperator, supplier0, supplier1] = signers;
  const participants = new Map<string, ParticipantInfo>();
  const driver = new MarketDriver(market, { operator, meter, anyone: admin }, options.tariffs, participants, options.driver);
  const provider = ethers.provider;

  /** Deterministic household wallets with gas money (hardhat_setBalance on a dev chain). */
  async function households(count: number, label = "household"): Promise<Wallet[]> {
    const wallets: Wallet[] = [];
    for (let i = 0; i < count; i++) {
      const w = new Wallet(keccak256(toUtf8Bytes(`kiezstrom:${label}:${i}`)), provider);
      await provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]); // 100 ETH
      wallets.push(w);
    }
    return wallets;
  }

  let nextMeteringPoint = 1_000_000_001n;
  /** The meter role confirms a self-registered household's metering point, so that it may sell. */
  async function confirmMeteringPoint(address: string) {
    return wait(market.connect(meter).confirmMeteringPoint(address, nextMeteringPoint++));
  }

  /** Admin onboarding of many households at once (cheaper than one registration each). */
  async function onboard(members: { address: string; cls: keyof typeof CLASS; supplier: number; importLimitWh: number; exportLimitWh: number }[]) {
    const batch = 100;
    for (let i = 0; i < members.length; i += batch) {
      const slice = members.slice(i, i + batch);
      await wait(
        market.connect(admin).onboard(
          slice.map((m) => m.address),
          slice.map((m) => ({
            class: CLASS[m.cls],
            supplier: m.supplier,
            importLimitWh: m.importLimitWh,
            exportLimitWh: m.cls === "consumer" ? 0 : m.exportLimitWh,
            // the admin's onboarding confirms each household's metering point (one per household of this community)
            meteringPoint: nextMeteringPoint++,
          })),
        ),
      );
      for (const m of slice) participants.set(m.address.toLowerCase(), { supplier: m.supplier });
    }
  }

  /** Mints, approves and deposits for each account; returns the deposit receipts. */
  async function fund(accounts: Signer[], amount: bigint) {
    const receipts = [];
    const marketAddress = await market.getAddress();
    for (const a of accounts) {
      await wait(token.connect(admin).mint(await a.getAddress(), amount));
      await wait(token.connect(a).approve(marketAddress, amount));
      receipts.push(await wait(market.connect(a).deposit(amount)));
    }
    return receipts;
  }

  async function now(): Promise<number> {
    const block = await provider.getBlock("latest");
    return Number(block!.timestamp);
  }

  let nextUnopened = 0;
  /**
   * Opens `count` intervals from the one `offset` ahead of the chain's clock (or after the last opened). The
   * default leaves about two hours to bid: a dev chain's clock moves a second per block.
   */
  async function openIntervals(count: number, offset = 8) {
    const first = Math.max(Math.floor((await now()) / INTERVAL_SECONDS) + offset, nextUnopened);
    await wait(market.connect(operator).openIntervals(first, count));
    nextUnopened = first + count;
    return first;
  }

  /** Moves the dev chain's clock to an interval's gate closure. */
  async function closeGate(interval: number) {
    const gate = Number((await market.intervalOf(interval)).gateClosesAt);
    if ((await now()) < gate) {
      await provider.send("evm_setNextBlockTimestamp", [gate]);
      await provider.send("evm_mine", []);
    }
  }

  return {
    connection,
    ethers,
    provider,
    token,
    market,
    factory,
    driver,
    participants,
    roles: { admin, operator, meter, platform, taxCollector, networkOperator, suppliers: [supplier0, supplier1] },
    households,
    onboard,
    confirmMeteringPoint,
    fund,
    now,
    openIntervals,
    closeGate,
    close: () => connection.close(),
  };
}
