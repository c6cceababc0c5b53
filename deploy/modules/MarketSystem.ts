import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The market implementation (with its three linked libraries) and the factory that clones it per community. */
export default buildModule("MarketSystem", (m) => {
  const clearing = m.library("MarketClearing");
  const settlement = m.library("MarketSettlement");
  const relay = m.library("MarketRelay");
  const implementation = m.contract("KiezMarket", [], {
    libraries: { MarketClearing: clearing, MarketSettlement: settlement, MarketRelay: relay },
  });
  const factory = m.contract("MarketFactory", [implementation]);
  return { clearing, settlement, relay, implementation, factory };
});
