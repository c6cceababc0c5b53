import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The settlement euro with a minter (the local faucet). Public deployments may use an existing stablecoin. */
export default buildModule("EuroToken", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const token = m.contract("EuroToken", [admin]);
  return { token };
});
