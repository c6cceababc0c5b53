/** Registration: class, supplier and limits, checked by the market before the wallet is asked. */
import { useState } from "react";

import { kiezMarketAbi } from "../contracts/generated";
import { parseEnergyKWh } from "../lib/amounts";
import { useMarket } from "../lib/market";
import { useTransactor } from "../lib/tx";
import { CLASS } from "@kiezstrom/engine/market/onchain";
import { DEFAULT_SCENARIO } from "@kiezstrom/engine/scenario/scenario";
import { Field, Section, TxStatus } from "../components/ui";

const CLASS_LABELS = { consumer: "Consumer (no PV)", pv: "PV prosumer", pvBattery: "PV + battery prosumer" } as const;

export function RegisterPage() {
  const { rc } = useMarket();
  const tx = useTransactor({ rpcUrl: rc.rpcUrl });
  const defaults = DEFAULT_SCENARIO.households;
  const [cls, setCls] = useState<keyof typeof CLASS>("pv");
  const [supplier, setSupplier] = useState(0);
  const [importKWh, setImport] = useState(String(defaults.importLimitWh / 1000));
  const [exportKWh, setExport] = useState(String(defaults.exportLimitWh / 1000));
  const imp = parseEnergyKWh(importKWh, "import limit");
  const exp = cls === "consumer" ? ({ ok: true, value: 0 } as const) : parseEnergyKWh(exportKWh, "export limit");
  const valid = imp.ok && exp.ok;

  return (
    <Section title="Register your household" id="register">
      <p>Registering puts your address in the community's market, with your supplier and how much you may buy or sell per 15 minutes.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!imp.ok || !exp.ok) return;
          void tx.send("Registration", {
            address: rc.market,
            abi: kiezMarketAbi,
            functionName: "register",
            args: [CLASS[cls], supplier, imp.value, exp.value],
          });
        }}
      >
        <Field label="Household">
          <select value={cls} onChange={(e) => setCls(e.target.value as keyof typeof CLASS)} aria-label="Household type">
            {Object.entries(CLASS_LABELS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Supplier">
          <select value={supplier} onChange={(e) => setSupplier(Number(e.target.value))} aria-label="Supplier">
            {DEFAULT_SCENARIO.suppliers.map((s, i) => (
              <option key={s.name} value={i}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Import limit per interval (kWh)" error={imp.ok ? null : imp.error}>
          <input value={importKWh} onChange={(e) => setImport(e.target.value)} inputMode="decimal" aria-label="Import limit" />
        </Field>
        {cls !== "consumer" && (
          <Field label="Export limit per interval (kWh)" error={exp.ok ? null : exp.error}>
            <input value={exportKWh} onChange={(e) => setExport(e.target.value)} inputMode="decimal" aria-label="Export limit" />
          </Field>
        )}
        <button type="submit" disabled={!valid || ["checking", "signing", "pending"].includes(tx.state.status)}>
          Register
        </button>
      </form>
      <TxStatus state={tx.state} />
    </Section>
  );
}
