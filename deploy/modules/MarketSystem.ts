import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The market implementation (with its four linked libraries) and the factory that clones it per community. */
export default buildModule("MarketSystem", (m) => {
  const clearing = m.library("MarketClearing");
  const settlement = m.library("MarketSettlement");
  const relay = m.library("MarketRelay");
  const tariffs = m.library("MarketTariffs");
  const implementation = m.contract("KiezMarket", [], {
    libraries: { MarketClearing: clearing, MarketSettlement: settlement, MarketRelay: relay, MarketTariffs: tariffs },
  });
  const factory = m.contract("MarketFactory", [implementation]);
  return { clearing, settlement, relay, tariffs, implementation, factory };
});
