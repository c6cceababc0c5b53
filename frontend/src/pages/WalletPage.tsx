/** Wallet and bills: euro balances, deposit and withdraw, bills per interval and day, and the saving against BAU. */
import { useState } from "react";
import { useConfig } from "wagmi";

import { euroTokenAbi, kiezMarketAbi, useReadEuroToken, useReadKiezMarket } from "../contracts/generated";
import { formatEuro, formatNanoEuro, parseEuro } from "../lib/amounts";
import { explainError } from "../lib/errors";
import { signPermit } from "../lib/permit";
import { intervalDay, intervalLabel, useMarket } from "../lib/market";
import { useTransactor } from "../lib/tx";
import { barChart } from "@kiezstrom/engine/report/charts";
import { bauBill, isDayStart, lemBill, type BillLines } from "@kiezstrom/engine/market/billing";
import { Field, Section, SvgChart, TxStatus } from "../components/ui";

export interface MyBill {
  interval: number;
  lem: BillLines;
  bau: BillLines;
  settled: boolean;
  p2pBoughtWh: number;
  p2pSoldWh: number;
}

/** My bills from the events, priced with the engine exactly as the contract settles them. */
export function useMyBills(me: string): MyBill[] {
  const { rebuild, dayStartSlot } = useMarket();
  const key = me.toLowerCase();
  const p = rebuild.participants.get(key);
  if (!p) return [];
  const bills: MyBill[] = [];
  for (const [id, s] of rebuild.intervals) {
    const b = s.bills.get(key);
    const r = s.readings.find((x) => x.participant === key);
    if (!b || !r) continue;
    const tariff = rebuild.tariffOf(p.supplier, s.epoch);
    const dayStart = isDayStart(id, dayStartSlot);
    bills.push({
      interval: id,
      lem: lemBill({ importWh: r.importWh, exportWh: r.exportWh, p2pBoughtWh: b.p2pBoughtWh, p2pSoldWh: b.p2pSoldWh }, s.cleared?.price ?? 0, tariff, dayStart),
      bau: bauBill(r.importWh, r.exportWh, tariff, dayStart),
      settled: s.settledEvents > 0,
      p2pBoughtWh: b.p2pBoughtWh,
      p2pSoldWh: b.p2pSoldWh,
    });
  }
  return bills.sort((a, b) => b.interval - a.interval);
}

export function WalletPage({ me }: { me: `0x${string}` }) {
  const { rc, chainNow } = useMarket();
  const config = useConfig();
  const tx = useTransactor({ rpcUrl: rc.rpcUrl });
  const query = { refetchInterval: 2000 };
  const wallet = useReadEuroToken({ address: rc.token, functionName: "balanceOf", args: [me], query });
  const allowance = useReadEuroToken({ address: rc.token, functionName: "allowance", args: [me, rc.market], query });
  const account = useReadKiezMarket({ address: rc.market, functionName: "accountOf", args: [me], query });
  const owed = useReadKiezMarket({ address: rc.market, functionName: "owed", args: [me], query });
  const [depositText, setDeposit] = useState("");
  const [withdrawText, setWithdraw] = useState("");
  const [faucet, setFaucet] = useState<string | null>(null);
  const dep = parseEuro(depositText, "deposit");
  const wd = parseEuro(withdrawText, "withdrawal");
  const busy = ["checking", "signing", "pending"].includes(tx.state.status);
  const free = account.data?.free ?? 0n;
  const depError =
    depositText === ""
      ? null
      : !dep.ok
        ? dep.error
        : wallet.data !== undefined && dep.value > wallet.data
          ? `Your wallet holds ${formatEuro(wallet.data)}; deposit at most that.`
          : null;
  const wdError =
    withdrawText === "" ? null : !wd.ok ? wd.error : wd.value > free ? `You can withdraw at most your free balance, ${formatEuro(free, 4)}.` : null;
  const bills = useMyBills(me);

  async function deposit() {
    if (!dep.ok || depError) return;
    if ((allowance.data ?? 0n) < dep.value) {
      // one transaction with a signed permit where the token takes permits; an approval first otherwise
      let permit: Awaited<ReturnType<typeof signPermit>>;
      try {
        permit = await signPermit(config, rc.token, me, rc.market, dep.value, BigInt((chainNow ?? Math.floor(Date.now() / 1000)) + 3600));
      } catch (e) {
        tx.fail("Deposit", explainError(e, { rpcUrl: rc.rpcUrl }));
        return;
      }
      if (permit) {
        const args = [dep.value, permit.deadline, permit.v, permit.r, permit.s] as const;
        if (await tx.send("Deposit", { address: rc.market, abi: kiezMarketAbi, functionName: "depositWithPermit", args })) setDeposit("");
        return;
      }
      const ok = await tx.send("Allowing the market to take your deposit", {
        address: rc.token,
        abi: euroTokenAbi,
        functionName: "approve",
        args: [rc.market, dep.value],
      });
      if (!ok) return;
    }
    if (await tx.send("Deposit", { address: rc.market, abi: kiezMarketAbi, functionName: "deposit", args: [dep.value] })) setDeposit("");
  }

  async function withdraw() {
    if (!wd.ok || wdError) return;
    if (await tx.send("Withdrawal", { address: rc.market, abi: kiezMarketAbi, functionName: "withdraw", args: [wd.value] })) setWithdraw("");
  }

  async function getTestEuros() {
    setFaucet("Asking the faucet…");
    try {
      const res = await fetch(rc.faucetUrl!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: me }) });
      const json = (await res.json()) as { error?: string; amount?: string };
      setFaucet(res.ok ? `${json.amount} test euros are in your wallet.` : `The faucet refused: ${json.error}`);
      void wallet.refetch();
    } catch (e) {
      setFaucet(explainError(e));
    }
  }

  const days = new Map<string, { lem: number; bau: number; n: number }>();
  for (const b of bills) {
    const d = days.get(intervalDay(b.interval)) ?? { lem: 0, bau: 0, n: 0 };
    d.lem += b.lem.net;
    d.bau += b.bau.net;
    d.n++;
    days.set(intervalDay(b.interval), d);
  }
  const totalLem = bills.reduce((s, b) => s + b.lem.net, 0);
  const totalBau = bills.reduce((s, b) => s + b.bau.net, 0);
  const recent = bills.slice(0, 24).reverse();

  return (
    <>
      <Section title="My euros" id="balances">
        <div className="stats">
          <div className="stat">
            <small>In my wallet</small>
            <strong data-testid="wallet-balance">{wallet.data !== undefined ? formatEuro(wallet.data) : "…"}</strong>
          </div>
          <div className="stat">
            <small>Free in the market</small>
            <strong data-testid="free-balance">{account.data ? formatEuro(account.data.free, 4) : "…"}</strong>
          </div>
          <div className="stat">
            <small>Locked by open bids</small>
            <strong>{account.data ? formatEuro(account.data.locked, 4) : "…"}</strong>
          </div>
          {owed.data !== undefined && owed.data > 0n && (
            <div className="stat">
              <small>Owed to my supplier</small>
              <strong>{formatEuro(owed.data, 4)}</strong>
            </div>
          )}
        </div>
        {(wallet.error || account.error) && <p className="error">{explainError(wallet.error ?? account.error, { rpcUrl: rc.rpcUrl })}</p>}
        {rc.faucetUrl && (
          <p>
            <button type="button" className="link" onClick={() => void getTestEuros()}>
              Get 100 test euros
            </button>{" "}
            {faucet && <span role="status">{faucet}</span>}
          </p>
        )}
      </Section>
      <Section title="Deposit and withdraw" id="deposit-withdraw">
        <div className="two">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void deposit();
            }}
          >
            <Field label="Deposit (EUR)" error={depError}>
              <input aria-label="Deposit amount" value={depositText} onChange={(e) => setDeposit(e.target.value)} inputMode="decimal" />
            </Field>
            <button type="submit" disabled={!dep.ok || !!depError || busy}>
              Deposit
            </button>
          </form>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void withdraw();
            }}
          >
            <Field label="Withdraw (EUR)" error={wdError}>
              <input aria-label="Withdraw amount" value={withdrawText} onChange={(e) => setWithdraw(e.target.value)} inputMode="decimal" />
            </Field>
            <button type="submit" disabled={!wd.ok || !!wdError || busy}>
              Withdraw
            </button>
          </form>
        </div>
        <TxStatus state={tx.state} />
      </Section>
      <Section title="My bills" id="bills">
        {bills.length === 0 ? (
          <p>No bills yet: an interval is billed once it has been metered.</p>
        ) : (
          <>
            <p data-testid="saving">
              {bills.length} intervals billed: {formatNanoEuro(totalLem)} in the local market against {formatNanoEuro(totalBau)} with the grid alone, a saving
              of <strong>{formatNanoEuro(totalBau - totalLem)}</strong>.
            </p>
            <SvgChart
              label="Bills per interval"
              svg={barChart(
                "Bill per interval (EUR; negative: a credit)",
                "EUR",
                recent.map((b) => intervalLabel(b.interval)),
                [
                  { name: "local market", values: recent.map((b) => b.lem.net / 1e9) },
                  { name: "grid alone (BAU)", values: recent.map((b) => b.bau.net / 1e9) },
                ],
              )}
            />
            <h3>Per day</h3>
            <table>
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Intervals</th>
                  <th>Local market</th>
                  <th>Grid alone</th>
                  <th>Saving</th>
                </tr>
              </thead>
              <tbody>
                {[...days].map(([d, v]) => (
                  <tr key={d}>
                    <td>{d}</td>
                    <td>{v.n}</td>
                    <td>{formatNanoEuro(v.lem)}</td>
                    <td>{formatNanoEuro(v.bau)}</td>
                    <td>{formatNanoEuro(v.bau - v.lem)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Per interval</h3>
            <table data-testid="bill-table">
              <thead>
                <tr>
                  <th>Interval</th>
                  <th>P2P bought / sold</th>
                  <th>P2P energy</th>
                  <th>Fees and taxes</th>
                  <th>Grid</th>
                  <th>Total</th>
                  <th>BAU</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {bills.slice(0, 48).map((b) => (
                  <tr key={b.interval}>
                    <td>{intervalLabel(b.interval)}</td>
                    <td>
                      {(b.p2pBoughtWh / 1000).toFixed(3)} / {(b.p2pSoldWh / 1000).toFixed(3)} kWh
                    </td>
                    <td>{formatNanoEuro(b.lem.p2pCost - b.lem.p2pProceeds)}</td>
                    <td>{formatNanoEuro(b.lem.platformFee + b.lem.levies + b.lem.supplierFee + b.lem.networkFee)}</td>
                    <td>{formatNanoEuro(b.lem.gridImportCost + b.lem.dailyCharge - b.lem.gridExportCredit)}</td>
                    <td>{formatNanoEuro(b.lem.net)}</td>
                    <td>{formatNanoEuro(b.bau.net)}</td>
                    <td>{b.settled ? "settled" : "billed"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Section>
    </>
  );
}
