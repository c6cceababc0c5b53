import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { createCommunity } from "./Community.js";

/**
 * A community settling in an existing euro stablecoin (parameter `token`, an ERC-20 with 18 decimals), with
 * no EuroToken of its own. Parameters as for Community.
 */
export default buildModule("CommunityWithStablecoin", (m) => {
  const token = m.contractAt("ISettlementToken", m.getParameter<string>("token"), { id: "Stablecoin" });
  return { token, ...createCommunity(m, token) };
});
