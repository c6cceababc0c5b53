/** Shared setup for the contract tests: the scripts' community helper, deploying through the production Ignition modules. */
import type { Signer } from "ethers";

import { createCommunity } from "../../scripts/lib/chain.js";
import { BERLIN_2023_SUPPLIERS } from "../../sim/scenario/tariffs-berlin-2023.js";
import { CLASS, wait } from "../../scripts/lib/market-driver.js";

export const TARIFFS = BERLIN_2023_SUPPLIERS.map((s) => s.tariff);
export { EUR } from "../../scripts/lib/chain.js";

export async function deployCommunity() {
  const c = await createCommunity({ tariffs: TARIFFS });
  const signers = await c.ethers.getSigners();
  const [supplier0, supplier1] = c.roles.suppliers;

  async function register(account: Signer, cls: keyof typeof CLASS, supplier = 0, importLimitWh = 5_000, exportLimitWh = 5_000) {
    await wait(c.market.connect(account).register(CLASS[cls], supplier, importLimitWh, cls === "consumer" ? 0 : exportLimitWh));
    c.participants.set((await account.getAddress()).toLowerCase(), { supplier });
  }

  return {
    ...c,
    networkHelpers: c.connection.networkHelpers,
    roles: { ...c.roles, supplier0, supplier1 },
    households: signers.slice(8),
    register,
    /** Opens the interval `offset` ahead of the chain's clock and returns it. */
    openNextInterval: (offset = 2) => c.openIntervals(1, offset),
  };
}
