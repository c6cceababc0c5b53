/** Wallet and bills: euro balances, deposit and withdraw, bills per interval and day, and the saving against BAU. */
import { useState } from "react";
import { useConfig } from "wagmi";

import { euroTokenAbi, kiezMarketAbi, useReadEuroToken, useReadKiezMarket } from "../contracts/generated";
import { chainOf } from "../chain";
import { formatEuro, formatKWh, formatNanoEuro, parseEuro } from "../lib/amounts";
import { explainError } from "../lib/errors";
import { signPermit } from "../lib/permit";
import { intervalDay, intervalLabel, useMarket } from "../lib/market";
import { useTransactor } from "../lib/tx";
import { dateTime } from "../lib/time";
import { barChart } from "@kiezstrom/engine/report/charts";
import { Field, Loading, Section, SvgChart, TxStatus } from "../components/ui";
import { useMyBills } from "../hooks/useMyBills";
import { useMyMovements } from "../hooks/useMyMovements";

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
  const myBills = useMyBills(me);
  const movements = useMyMovements(me);

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

  const bills = myBills.data?.bills ?? [];
  const total = myBills.data?.total;
  const recent = bills.slice(0, 24).reverse();
  const saving = total ? total.bauNet - total.lemNet : 0;

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
        <Loading loaded={myBills} what="your bills" />
        {total && total.bills === 0 && <p>No bills yet: an interval is billed once it has been metered.</p>}
        {total && total.bills > 0 && (
          <>
            <p data-testid="saving">
              {total.bills} {total.bills === 1 ? "bill" : "bills"}: {formatNanoEuro(total.lemNet)} in the local market against {formatNanoEuro(total.bauNet)}{" "}
              with the grid alone,{" "}
              {saving >= 0 ? (
                <>
                  a saving of <strong>{formatNanoEuro(saving)}</strong>.
                </>
              ) : (
                <>
                  <strong className="error">{formatNanoEuro(-saving)} more</strong> than the grid alone.
                </>
              )}
            </p>
            <SvgChart
              label="Bills per interval"
              svg={barChart(
                "Bill per interval (EUR; negative: a credit)",
                "EUR",
                recent.map((b) => intervalLabel(b.interval)),
                [
                  { name: "local market", values: recent.map((b) => b.lem.net / 1e9) },
                  { name: "grid alone (BAU)", values: recent.map((b) => b.bauNet / 1e9) },
                ],
              )}
            />
            <h3>Per day</h3>
            <table>
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Bills</th>
                  <th>Local market</th>
                  <th>Grid alone</th>
                  <th>Saving</th>
                </tr>
              </thead>
              <tbody>
                {(myBills.data?.days ?? []).map((d) => (
                  <tr key={d.firstInterval}>
                    <td>{intervalDay(d.firstInterval)}</td>
                    <td>{d.bills}</td>
                    <td>{formatNanoEuro(d.lemNet)}</td>
                    <td>{formatNanoEuro(d.bauNet)}</td>
                    <td className={d.bauNet - d.lemNet < 0 ? "error" : undefined}>{formatNanoEuro(d.bauNet - d.lemNet)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Per interval</h3>
            <div className="scroll">
              <table data-testid="bill-table">
                <thead>
                  <tr>
                    <th>Day</th>
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
                  {bills.map((b) => (
                    <tr key={b.interval}>
                      <td>{intervalDay(b.interval)}</td>
                      <td>{b.day !== null ? "the whole day" : intervalLabel(b.interval)}</td>
                      <td>
                        {formatKWh(b.p2pBoughtWh)} / {formatKWh(b.p2pSoldWh)}
                      </td>
                      <td>{formatNanoEuro(b.lem.p2pCost - b.lem.p2pProceeds)}</td>
                      <td>{formatNanoEuro(b.lem.platformFee + b.lem.levies + b.lem.supplierFee + b.lem.networkFee)}</td>
                      <td>{formatNanoEuro(b.lem.gridImportCost + b.lem.dailyCharge - b.lem.gridExportCredit)}</td>
                      <td>{formatNanoEuro(b.lem.net)}</td>
                      <td>{formatNanoEuro(b.bauNet)}</td>
                      <td>{b.settled ? "settled" : "billed"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Section>
      <Section title="Money movements" id="movements">
        <Loading loaded={movements} what="your money movements" />
        {movements.data && movements.data.length === 0 && <p>No deposits, withdrawals or settlements yet.</p>}
        {movements.data && movements.data.length > 0 && (
          <div className="scroll">
            <table data-testid="movement-table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>What</th>
                  <th>Amount</th>
                  <th>Transaction</th>
                </tr>
              </thead>
              <tbody>
                {movements.data.map((m, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: one page of movements, shown as a whole
                  <tr key={i}>
                    <td>{m.timestamp !== null ? dateTime(m.timestamp) : "recent"}</td>
                    <td>
                      {MOVEMENT_NAMES[m.kind] ?? m.kind}
                      {m.interval !== null ? ` (${intervalDay(m.interval)} ${intervalLabel(m.interval)})` : ""}
                    </td>
                    <td className={m.amount < 0n ? "error" : undefined}>{formatEuro(m.amount, 4)}</td>
                    <td>
                      <TransactionLink hash={m.transactionHash} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(movements.back || movements.more) && (
          <p>
            {movements.back && (
              <button type="button" className="link" onClick={movements.back}>
                Newer
              </button>
            )}{" "}
            page {movements.page}{" "}
            {movements.more && (
              <button type="button" className="link" onClick={movements.more}>
                Older
              </button>
            )}
          </p>
        )}
        {!rc.indexerUrl && <p className="hint">Without the community's indexer only the latest blocks' deposits and withdrawals are shown.</p>}
      </Section>
    </>
  );
}

const MOVEMENT_NAMES: Record<string, string> = {
  deposit: "Deposit",
  withdrawal: "Withdrawal",
  faucet: "Test euros (faucet, to the wallet)",
  settlement: "Settlement",
  debt: "Unpaid, owed to the supplier",
  debtRepaid: "Debt repaid",
};

/** A transaction hash, linked to the chain's explorer where the chain has one. */
function TransactionLink({ hash }: { hash: string }) {
  const { rc } = useMarket();
  const explorer = chainOf(rc).blockExplorers?.default.url;
  const short = `${hash.slice(0, 10)}…`;
  return explorer ? (
    <a href={`${explorer}/tx/${hash}`} target="_blank" rel="noreferrer">
      <code>{short}</code>
    </a>
  ) : (
    <code title={hash}>{short}</code>
  );
}
