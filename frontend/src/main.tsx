import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { WagmiProvider } from "wagmi";

import { App } from "./App";
import { makeWagmiConfig } from "./chain";
import { loadConfig } from "./config";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

loadConfig().then(
  (rc) => {
    const queryClient = new QueryClient();
    root.render(
      <StrictMode>
        <WagmiProvider config={makeWagmiConfig(rc)}>
          <QueryClientProvider client={queryClient}>
            <App rc={rc} />
          </QueryClientProvider>
        </WagmiProvider>
      </StrictMode>,
    );
  },
  (e: Error) => {
    root.render(
      <div className="app">
        <h1>Kiezstrom</h1>
        <p className="banner error" role="alert">
          {e.message}
        </p>
      </div>,
    );
  },
);
