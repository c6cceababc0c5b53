/** Shared setup for the contract tests: deploys through the production Ignition modules. */
import { network } from "hardhat";
import type { Signer } from "ethers";

import CommunityModule from "../../deploy/modules/Community.js";
import { BERLIN_2023_SUPPLIERS } from "../../sim/scenario/tariffs-berlin-2023.js";
import type { EuroToken, KiezMarket, MarketFactory } from "../../types/ethers-contracts/index.js";
import { CLASS, INTERVAL_SECONDS, MarketDriver, wait, type ParticipantInfo } from "../../scripts/lib/market-driver.js";

export const TARIFFS = BERLIN_2023_SUPPLIERS.map((s) => s.tariff);
export const EUR = 10n ** 18n;

export async function deployCommunity() {
  const connection = await network.create();
  const { ethers, ignition, networkHelpers } = connection;
  const signers = await ethers.getSigners();
  const [admin, operator, meter, platform, taxCollector, networkOperator, supplier0, supplier1] = signers;
  const households = signers.slice(8);
  const deployed = await ignition.deploy(CommunityModule);
  const token = deployed.token as unknown as EuroToken;
  const market = deployed.market as unknown as KiezMarket;
  const factory = deployed.factory as unknown as MarketFactory;
  const participants = new Map<string, ParticipantInfo>();

  /** Mints euro to each account, approves and deposits `amount` into the market. */
  async function fund(accounts: Signer[], amount: bigint) {
    for (const a of accounts) {
      await wait(token.connect(admin).mint(await a.getAddress(), amount));
      await wait(token.connect(a).approve(await market.getAddress(), amount));
      await wait(market.connect(a).deposit(amount));
    }
  }

  async function register(account: Signer, cls: keyof typeof CLASS, supplier = 0, importLimitWh = 5_000, exportLimitWh = 5_000) {
    await wait(market.connect(account).register(CLASS[cls], supplier, importLimitWh, cls === "consumer" ? 0 : exportLimitWh));
    participants.set((await account.getAddress()).toLowerCase(), { supplier });
  }

  /** Opens the interval two ahead of the chain's clock and returns it. */
  async function openNextInterval(offset = 2) {
    const now = await networkHelpers.time.latest();
    const interval = Math.floor(now / INTERVAL_SECONDS) + offset;
    await wait(market.connect(operator).openIntervals(interval, 1));
    return interval;
  }

  async function closeGate(interval: number) {
    const iv = await market.intervalOf(interval);
    await networkHelpers.time.increaseTo(Number(iv.gateClosesAt));
  }

  const driver = new MarketDriver(market, { operator, meter, anyone: admin }, TARIFFS, participants, {
    orderPageSize: 400,
    meterPageSize: 250,
  });

  return {
    connection,
    ethers,
    networkHelpers,
    token,
    market,
    factory,
    driver,
    participants,
    roles: { admin, operator, meter, platform, taxCollector, networkOperator, supplier0, supplier1 },
    households,
    fund,
    register,
    openNextInterval,
    closeGate,
  };
}
