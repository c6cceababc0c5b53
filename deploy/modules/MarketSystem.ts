import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The market implementation (with its two linked libraries) and the factory that clones it per community. */
export default buildModule("MarketSystem", (m) => {
  const clearing = m.library("MarketClearing");
  const settlement = m.library("MarketSettlement");
  const implementation = m.contract("KiezMarket", [], {
    libraries: { MarketClearing: clearing, MarketSettlement: settlement },
  });
  const factory = m.contract("MarketFactory", [implementation]);
  return { clearing, settlement, implementation, factory };
});
