import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

import { BERLIN_2023_SUPPLIERS } from "@kiezstrom/engine/scenario/tariffs-berlin-2023";
import EuroTokenModule from "./EuroToken.js";
import MarketSystemModule from "./MarketSystem.js";

/**
 * Clones and initializes a community market from the factory, settling in `token`. Every role and fee
 * recipient is a parameter (defaults: the deployer's accounts 0–7 on a local chain); tariffs default to the
 * Berlin 2023 scenario. Shared by the modules below.
 */
export function createCommunity(m: IgnitionModuleBuilder, token: ContractFuture<string>) {
  const { factory, implementation } = m.useModule(MarketSystemModule);
  const init = {
    admin: m.getParameter("admin", m.getAccount(0)),
    operator: m.getParameter("operator", m.getAccount(1)),
    meter: m.getParameter("meter", m.getAccount(2)),
    token,
    platform: m.getParameter("platform", m.getAccount(3)),
    taxCollector: m.getParameter("taxCollector", m.getAccount(4)),
    networkOperator: m.getParameter("networkOperator", m.getAccount(5)),
    // The default scenario has two suppliers; their accounts receive supplier income and pay feed-in.
    suppliers: [m.getParameter("supplier0", m.getAccount(6)), m.getParameter("supplier1", m.getAccount(7))],
    tariffs: m.getParameter(
      "tariffs",
      BERLIN_2023_SUPPLIERS.map((s) => ({ ...s.tariff.prices, dailyChargeMicroEur: s.tariff.dailyChargeMicroEur })),
    ),
    gateLeadSeconds: m.getParameter("gateLeadSeconds", 300),
    dayStartSlot: m.getParameter("dayStartSlot", 92),
    // entries of every committed order page but a side's last; an interval takes at most 32 pages a side
    orderPageSize: m.getParameter("orderPageSize", 400),
    // SettlementMode: 0 interval by interval, 1 a day at a time (contracts/MarketTypes.sol)
    settlement: m.getParameter("settlement", 0),
  };
  const create = m.call(factory, "createCommunity", [m.getParameter("name", "Berlin case study"), init]);
  const marketAddress = m.readEventArgument(create, "CommunityCreated", "market");
  const market = m.contractAt("KiezMarket", marketAddress);
  return { factory, implementation, market };
}

/** A community settling in this deployment's own EuroToken (local chains, testnets with a faucet). */
export default buildModule("Community", (m) => {
  const { token } = m.useModule(EuroTokenModule);
  return { token, ...createCommunity(m, token) };
});
