import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, renderHook, screen } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { WagmiProvider } from "wagmi";

import { makeWagmiConfig } from "../src/chain";
import { ConnectPanel } from "../src/components/Connect";
import { TxStatus } from "../src/components/ui";
import type { RuntimeConfig } from "../src/config";
import { euroTokenAbi } from "../src/contracts/generated";
import { useTransactor } from "../src/lib/tx";

// a node nobody listens on: every read and write fails as an unreachable RPC does
const rc: RuntimeConfig = {
  name: "Test",
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:9",
  market: "0x856e4424f806D16E8CBC702B3c0F2ede5468eae5",
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  fromBlock: 0,
  devAccounts: ["0x2361000000000000000000000000000000001e8f", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
};

function wrapper({ children }: { children: ReactNode }) {
  return (
    <WagmiProvider config={makeWagmiConfig(rc)}>
      <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>
    </WagmiProvider>
  );
}

describe("components", () => {
  it("TxStatus says each step of a write, and an error as an alert", () => {
    const { rerender } = render(<TxStatus state={{ status: "signing", label: "Deposit", fee: null }} />);
    expect(screen.getByRole("status").textContent).toBe("Deposit: confirm in your wallet…");
    rerender(<TxStatus state={{ status: "signing", label: "Deposit", fee: { amount: "0.000131", symbol: "ETH" } }} />);
    expect(screen.getByRole("status").textContent).toBe("Deposit: confirm in your wallet… (network fee about 0.000131 ETH)");
    rerender(<TxStatus state={{ status: "error", label: "Deposit", message: "Your wallet holds 1.00 EUR." }} />);
    expect(screen.getByRole("alert").textContent).toBe("Deposit failed: Your wallet holds 1.00 EUR.");
  });

  it("ConnectPanel offers a browser wallet and the dev accounts of a local chain", () => {
    render(<ConnectPanel chainName="Hardhat" />, { wrapper });
    expect(screen.getByRole("button", { name: "Browser wallet" })).toBeTruthy();
    const options = screen.getAllByRole("option").map((o) => o.textContent);
    expect(options).toContain("Dev account 0x2361…1e8f");
    expect(options).toHaveLength(3);
  });
});

describe("useTransactor", () => {
  it("refuses to write without a wallet, and says so", async () => {
    const { result } = renderHook(() => useTransactor(), { wrapper });
    await act(async () => {
      await result.current.send("Deposit", { address: rc.token, abi: euroTokenAbi, functionName: "approve", args: [rc.market, 1n] });
    });
    expect(result.current.state).toEqual({ status: "error", label: "Deposit", message: "Connect a wallet first." });
  });
});

function Broken(): never {
  throw new Error("tariff of supplier 3 is missing");
}

describe("ErrorBoundary", () => {
  it("shows what went wrong instead of a blank page, and recovers", async () => {
    const { ErrorBoundary } = await import("../src/components/ErrorBoundary");
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const { rerender } = render(
      <ErrorBoundary resetKey="a">
        <Broken />
      </ErrorBoundary>,
    );
    expect(screen.getByRole("alert").textContent).toMatch(/could not be shown.*tariff of supplier 3 is missing/);
    rerender(
      <ErrorBoundary resetKey="b">
        <p>fine</p>
      </ErrorBoundary>,
    );
    expect(screen.getByText("fine")).toBeTruthy();
    spy.mockRestore();
  });
});
