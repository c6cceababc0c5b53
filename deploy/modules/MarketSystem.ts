import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The linked libraries of KiezMarket: each runs on the market's storage by delegatecall, which keeps the market under
 *  the 24 KB code limit. Every deployment (this module, the gas measurements) links exactly these. */
export const MARKET_LIBRARIES = ["MarketClearing", "MarketBilling", "MarketSettlement", "MarketRelay", "MarketTariffs", "MarketDays"] as const;

/** The market implementation (with its linked libraries) and the factory that clones it per community. */
export default buildModule("MarketSystem", (m) => {
  const libraries = Object.fromEntries(MARKET_LIBRARIES.map((name) => [name, m.library(name)]));
  const implementation = m.contract("KiezMarket", [], { libraries });
  const factory = m.contract("MarketFactory", [implementation]);
  return { ...libraries, implementation, factory };
});
