/** Connecting a wallet (injected / EIP-6963, or a dev account of a local chain) and the network check. */
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";

import { explainError } from "../lib/errors";
import { Short } from "./ui";

export function ConnectPanel({ chainName }: { chainName: string }) {
  const connectors = useConnectors();
  const connect = useConnect();
  const injected = connectors.filter((c) => c.type !== "devAccount");
  const dev = connectors.filter((c) => c.type === "devAccount");
  return (
    <div className="card connect" data-testid="connect">
      <h2>Connect a wallet</h2>
      <p>Kiezstrom runs on {chainName}. Your wallet holds your euros and signs your bids; nothing is sent without your confirmation.</p>
      <div className="row">
        {injected.map((c) => (
          <button type="button" key={c.uid} onClick={() => connect.mutate({ connector: c })} disabled={connect.isPending}>
            {c.name === "Injected" ? "Browser wallet" : c.name}
          </button>
        ))}
      </div>
      {dev.length > 0 && (
        <>
          <p className="hint">On this local chain you may also use one of the node's dev accounts:</p>
          <select
            aria-label="Dev account"
            defaultValue=""
            onChange={(e) => {
              const c = dev.find((x) => x.uid === e.target.value);
              if (c) connect.mutate({ connector: c });
            }}
          >
            <option value="" disabled>
              Choose a dev account…
            </option>
            {dev.map((c) => (
              <option key={c.uid} value={c.uid}>
                {c.name}
              </option>
            ))}
          </select>
        </>
      )}
      {connect.error && (
        <p className="error" role="alert">
          {/No injected|Provider not found|not found/i.test(connect.error.message)
            ? "No browser wallet was found. Install one, or use a dev account on a local chain."
            : explainError(connect.error)}
        </p>
      )}
    </div>
  );
}

export function AccountBar({ expectedChainId, chainName }: { expectedChainId: number; chainName: string }) {
  const { address, chainId, connector } = useConnection();
  const disconnect = useDisconnect();
  const switchChain = useSwitchChain();
  if (!address) return null;
  const wrong = chainId !== expectedChainId;
  return (
    <div className="account">
      <span>
        <Short address={address} /> via {connector?.name ?? "wallet"}
      </span>
      <button type="button" className="link" onClick={() => disconnect.mutate({})}>
        Disconnect
      </button>
      {wrong && (
        <div className="banner" role="alert" data-testid="wrong-network">
          Your wallet is on chain {chainId}, but this community runs on {chainName} (chain {expectedChainId}).{" "}
          <button type="button" onClick={() => switchChain.mutate({ chainId: expectedChainId })} disabled={switchChain.isPending}>
            Switch to {chainName}
          </button>
          {switchChain.error && <span className="error"> {explainError(switchChain.error)}</span>}
        </div>
      )}
    </div>
  );
}
