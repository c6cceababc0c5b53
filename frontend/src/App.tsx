/** The dApp's frame: community and wallet status, registration, and the pages a household uses. */
import { useState } from "react";
import { useConnection } from "wagmi";

import type { RuntimeConfig } from "./config";
import { chainOf } from "./chain";
import { AccountBar, ConnectPanel } from "./components/Connect";
import { AutoBidder } from "./components/AutoBidder";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { explainError } from "./lib/errors";
import { useParticipant } from "./hooks/useParticipant";
import { MarketProvider, useMarket } from "./lib/market";
import { AuditPage } from "./pages/AuditPage";
import { HomePage } from "./pages/HomePage";
import { MarketPage } from "./pages/MarketPage";
import { RegisterPage } from "./pages/RegisterPage";
import { ResearchPage } from "./pages/ResearchPage";
import { ResultsPage } from "./pages/ResultsPage";
import { WalletPage } from "./pages/WalletPage";

const PAGES = ["Home", "Market", "Results", "Wallet", "Audit", "Research"] as const;
type Page = (typeof PAGES)[number];

export function App({ rc }: { rc: RuntimeConfig }) {
  return (
    <MarketProvider rc={rc}>
      <Shell />
    </MarketProvider>
  );
}

function Shell() {
  const { rc, readError, loadingHistory } = useMarket();
  const { address, chainId } = useConnection();
  const registration = useParticipant(address);
  const chain = chainOf(rc);
  const [page, setPage] = useState<Page>(() => PAGES.find((p) => `#${p.toLowerCase()}` === location.hash) ?? "Home");
  const go = (p: Page) => {
    setPage(p);
    history.replaceState(null, "", `#${p.toLowerCase()}`);
  };
  const registered = !!registration.data;
  // not yet known: the registration is still being read (never "register" to a registered household)
  const checking = !!address && registration.data === undefined;
  const onChain = chainId === rc.chainId;
  const needsAccount = page === "Home" || page === "Market" || page === "Wallet";

  return (
    <div className="app">
      <header>
        <h1>Kiezstrom</h1>
        <span className="community">{rc.name}</span>
        <AccountBar expectedChainId={rc.chainId} chainName={chain.name} />
      </header>
      <nav aria-label="Pages">
        {PAGES.map((p) => (
          <button type="button" key={p} className={p === page ? "active" : undefined} onClick={() => go(p)} aria-current={p === page ? "page" : undefined}>
            {p}
          </button>
        ))}
      </nav>
      {loadingHistory !== null && (
        <p className="banner" role="status">
          Reading the latest blocks from the node… {Math.round(loadingHistory * 100)}% (without an indexer this community's pages show only recent history)
        </p>
      )}
      {readError != null && (
        <p className="banner error" role="alert">
          {explainError(readError, { rpcUrl: rc.rpcUrl })}
        </p>
      )}
      <main>
        <ErrorBoundary resetKey={`${page}:${address ?? ""}`}>
          {needsAccount && !address && <ConnectPanel chainName={chain.name} />}
          {needsAccount && address && onChain && checking && (
            <p className="loading" role="status">
              Reading your registration from the market…
            </p>
          )}
          {needsAccount && address && onChain && !checking && !registered && page !== "Wallet" && <RegisterPage />}
          {address && registered && onChain && <AutoBidder me={address} />}
          {page === "Home" && address && registered && <HomePage me={address} />}
          {page === "Market" && address && registered && <MarketPage me={address} />}
          {page === "Wallet" && address && <WalletPage me={address} />}
          {page === "Results" && <ResultsPage me={address} />}
          {page === "Audit" && <AuditPage />}
          {page === "Research" && <ResearchPage />}
        </ErrorBoundary>
      </main>
      <footer>
        Market <code>{rc.market}</code> on chain {rc.chainId}
      </footer>
    </div>
  );
}
