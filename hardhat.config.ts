import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// The Solidity compiler cannot be downloaded on these machines: use the soljson.js of the pinned npm `solc`.
const SOLC_VERSION = "0.8.37";
const soljsonPath = require.resolve("solc/soljson.js");

/** A public network configured from environment variables or Hardhat's keystore; nothing secret in the repo. */
function publicNetwork(chainId: number, rpcVariable: string) {
  return {
    type: "http" as const,
    chainType: "l1" as const,
    chainId,
    url: configVariable(rpcVariable),
    accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
  };
}

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: soljsonPath,
        settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true, evmVersion: "cancun" },
      },
      production: {
        version: SOLC_VERSION,
        path: soljsonPath,
        settings: { optimizer: { enabled: true, runs: 1000 }, viaIR: true, evmVersion: "cancun" },
      },
    },
  },
  test: {
    // Each invariant sees 64 random sequences of 60 handler calls (test/solidity/MarketHandler.sol); a handler call
    // that reverts fails the run, so a handler whose actions do nothing cannot pass.
    solidity: { fuzz: { runs: 256 }, invariant: { runs: 64, depth: 60, failOnRevert: true } },
  },
  paths: {
    ignition: "deploy",
    tests: { mocha: "test/contracts", solidity: "test/solidity" },
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // any running node with unlocked dev accounts (a `hardhat node`), for `--rpc URL` of the scripts
    rpc: { type: "http", chainType: "l1", url: configVariable("KIEZSTROM_RPC_URL") },
    sepolia: publicNetwork(11155111, "SEPOLIA_RPC_URL"),
    amoy: publicNetwork(80002, "AMOY_RPC_URL"),
    polygon: publicNetwork(137, "POLYGON_RPC_URL"),
  },
});
