/** My Home: appliances, generators, battery and preferences, with their simulated power and charge over the day. */
import { useState } from "react";

import { lineChart } from "@kiezstrom/engine/report/charts";
import { slotTime } from "@kiezstrom/engine/calendar";
import { DEFAULT_SCENARIO } from "@kiezstrom/engine/scenario/scenario";
import { ctText, formatCt, formatKWh, parsePriceCt } from "../lib/amounts";
import { homeProblem, shareHomeWithMeter, type HomeSpec } from "../lib/home";
import { useMarket } from "../lib/market";
import { useHome, useHomeDay, useMarketDay } from "../hooks/useHome";
import { useParticipant } from "../hooks/useParticipant";
import { Field, Section, SvgChart } from "../components/ui";

export function HomePage({ me }: { me: `0x${string}` }) {
  const [saved, save] = useHome(me);
  const [draft, setDraft] = useState<HomeSpec | null>(null);
  const [limitErrors, setLimitErrors] = useState<{ minSell?: string | null; maxBuy?: string | null }>({});
  // remounts the typed fields when a draft is saved or discarded
  const [formKey, setFormKey] = useState(0);
  const [savedMessage, setSaved] = useState<{ ok: boolean; message: string } | null>(null);
  const { rc } = useMarket();
  const home = draft ?? saved;
  const { date, slot } = useMarketDay();
  const day = useHomeDay(saved, date);
  if (!home) return <p>Loading your home…</p>;
  const problem = homeProblem(home) ?? limitErrors.minSell ?? limitErrors.maxBuy ?? null;
  const edit = (h: Partial<HomeSpec>) => setDraft({ ...home, ...h });
  const now = slot ?? 0;

  return (
    <>
      <RegistrationStatus me={me} />
      <Section title={`My home on ${date}`} id="home-now">
        {day ? (
          <>
            <div className="stats">
              <Stat label="Load now" value={`${(((day.loadWh[now] ?? 0) * 4) / 1000).toFixed(2)} kW`} />
              <Stat label="PV now" value={`${(((day.pvWh[now] ?? 0) * 4) / 1000).toFixed(2)} kW`} />
              {day.socWh.length > 0 && home.battery && (
                <Stat label="Battery" value={`${Math.round((100 * (day.socWh[now] ?? 0)) / home.battery.capacityWh)} %`} />
              )}
              <Stat
                label="Grid import today"
                value={formatKWh(
                  day.importWh.reduce((a, b) => a + b, 0),
                  1,
                )}
              />
              <Stat
                label="Surplus today"
                value={formatKWh(
                  day.exportWh.reduce((a, b) => a + b, 0),
                  1,
                )}
              />
            </div>
            <SvgChart
              label="Power over the day"
              svg={lineChart(
                `My home, ${date} (now ${slotTime(now)})`,
                "kW",
                [
                  { name: "load", values: day.loadWh.map((w) => (w * 4) / 1000) },
                  { name: "PV", values: day.pvWh.map((w) => (w * 4) / 1000) },
                ],
                (i) => slotTime(i),
                8,
              )}
            />
            {home.battery && (
              // a charge is energy, not power: its own chart and axis
              <SvgChart
                label="Battery charge over the day"
                svg={lineChart(`My battery, ${date}`, "kWh", [{ name: "charge", values: day.socWh.map((w) => w / 1000) }], (i) => slotTime(i), 8)}
              />
            )}
          </>
        ) : (
          <p>Simulating your day…</p>
        )}
      </Section>

      <Section title="My appliances" id="appliances">
        <Field label="Yearly consumption (kWh, standard household profile)" hint="Used when no appliances are listed; listed appliances replace it.">
          <input aria-label="Yearly consumption" type="number" min={1} value={home.annualKWh} onChange={(e) => edit({ annualKWh: Number(e.target.value) })} />
        </Field>
        <table>
          <thead>
            <tr>
              <th>Appliance</th>
              <th>Power (W)</th>
              <th>Starts</th>
              <th>Minutes</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {home.appliances.map((a, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the inputs are controlled: each row shows its appliance by position
              <tr key={i}>
                <td>
                  <input
                    aria-label={`Appliance ${i + 1} name`}
                    value={a.name}
                    onChange={(e) => edit({ appliances: home.appliances.map((x, k) => (k === i ? { ...x, name: e.target.value } : x)) })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    aria-label={`Appliance ${i + 1} power`}
                    value={a.ratedW}
                    onChange={(e) => edit({ appliances: home.appliances.map((x, k) => (k === i ? { ...x, ratedW: Number(e.target.value) } : x)) })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Appliance ${i + 1} start`}
                    value={a.start}
                    onChange={(e) => edit({ appliances: home.appliances.map((x, k) => (k === i ? { ...x, start: e.target.value } : x)) })}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    aria-label={`Appliance ${i + 1} minutes`}
                    value={a.durationMin}
                    onChange={(e) => edit({ appliances: home.appliances.map((x, k) => (k === i ? { ...x, durationMin: Number(e.target.value) } : x)) })}
                  />
                </td>
                <td>
                  <button type="button" className="link" onClick={() => edit({ appliances: home.appliances.filter((_, k) => k !== i) })}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          className="link"
          onClick={() => edit({ appliances: [...home.appliances, { name: "Washing machine", ratedW: 2000, start: "18:00", durationMin: 90 }] })}
        >
          Add an appliance
        </button>
      </Section>

      <Section title="My generators" id="generators">
        <Field label="Rooftop PV (kWp)">
          <input aria-label="PV power" type="number" step="0.1" min={0} value={home.pvKWp} onChange={(e) => edit({ pvKWp: Number(e.target.value) })} />
        </Field>
      </Section>

      <Section title="My batteries" id="batteries">
        {home.battery ? (
          <div className="row">
            <Field label="Capacity (kWh)">
              <input
                aria-label="Battery capacity"
                type="number"
                step="0.1"
                value={home.battery.capacityWh / 1000}
                onChange={(e) => edit({ battery: { ...home.battery!, capacityWh: Number(e.target.value) * 1000 } })}
              />
            </Field>
            <Field label="Max charge (kW)">
              <input
                aria-label="Battery charge power"
                type="number"
                step="0.1"
                value={home.battery.maxChargeW / 1000}
                onChange={(e) => edit({ battery: { ...home.battery!, maxChargeW: Number(e.target.value) * 1000 } })}
              />
            </Field>
            <Field label="Max discharge (kW)">
              <input
                aria-label="Battery discharge power"
                type="number"
                step="0.1"
                value={home.battery.maxDischargeW / 1000}
                onChange={(e) => edit({ battery: { ...home.battery!, maxDischargeW: Number(e.target.value) * 1000 } })}
              />
            </Field>
          </div>
        ) : (
          <p>No battery.</p>
        )}
      </Section>

      <Section title="My preferences" id="preferences">
        <div className="row">
          <PriceLimit
            key={`min-${formKey}`}
            label="Never sell below (ct/kWh)"
            aria="Minimum sell price"
            value={home.preferences.minSellPrice}
            onChange={(v) => edit({ preferences: { ...home.preferences, minSellPrice: v } })}
            onError={(e) => setLimitErrors({ ...limitErrors, minSell: e })}
          />
          <PriceLimit
            key={`max-${formKey}`}
            label="Never buy above (ct/kWh)"
            aria="Maximum buy price"
            value={home.preferences.maxBuyPrice}
            onChange={(v) => edit({ preferences: { ...home.preferences, maxBuyPrice: v } })}
            onError={(e) => setLimitErrors({ ...limitErrors, maxBuy: e })}
          />
          <Field label="Battery reserve (%)">
            <input
              aria-label="Battery reserve"
              type="number"
              min={0}
              max={100}
              value={home.preferences.batteryReservePct}
              onChange={(e) => edit({ preferences: { ...home.preferences, batteryReservePct: Number(e.target.value) } })}
            />
          </Field>
          <label className="field">
            <span>Auto-trading</span>
            <input
              type="checkbox"
              aria-label="Auto-trading"
              checked={home.preferences.autoTrading}
              onChange={(e) => edit({ preferences: { ...home.preferences, autoTrading: e.target.checked } })}
            />
            <small className="hint">Bids for you each interval from your home's forecast while this page is open.</small>
          </label>
        </div>
      </Section>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          disabled={!draft || !!problem}
          onClick={() => {
            if (!draft) return;
            save(draft);
            setDraft(null);
            setFormKey((k) => k + 1);
            setSaved(rc.homeUrl ? { ok: true, message: "Saving…" } : { ok: true, message: "Saved in this browser." });
            if (rc.homeUrl) void shareHomeWithMeter(rc.homeUrl, me, draft).then(setSaved);
          }}
        >
          Save my home
        </button>
        {savedMessage && !draft && (
          <span role="status" className={savedMessage.ok ? "ok" : "error"} data-testid="home-saved">
            {savedMessage.message}
          </span>
        )}
        {draft && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setDraft(null);
              setLimitErrors({});
              setFormKey((k) => k + 1);
            }}
          >
            Discard changes
          </button>
        )}
      </div>
    </>
  );
}

/** A price limit typed in ct/kWh (parsed exactly); empty means no limit. */
export function PriceLimit({
  label,
  aria,
  value,
  onChange,
  onError,
}: {
  label: string;
  aria: string;
  value?: number;
  onChange: (v: number | undefined) => void;
  onError: (e: string | null) => void;
}) {
  const [text, setText] = useState(value ? ctText(value) : "");
  const parsed = text.trim() === "" ? null : parsePriceCt(text, "price limit");
  const error = parsed && !parsed.ok ? parsed.error : null;
  return (
    <Field label={label} hint={value ? formatCt(value, 4) : "no limit"} error={error}>
      <input
        aria-label={aria}
        value={text}
        inputMode="decimal"
        placeholder="no limit"
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          const r = t.trim() === "" ? null : parsePriceCt(t, "price limit");
          onError(r && !r.ok ? r.error : null);
          if (!r) onChange(undefined);
          else if (r.ok) onChange(r.value);
        }}
      />
    </Field>
  );
}

function RegistrationStatus({ me }: { me: `0x${string}` }) {
  const p = useParticipant(me).data;
  if (!p) return null;
  const cls = { consumer: "consumer", pv: "PV prosumer", pvBattery: "PV + battery prosumer" }[p.participantClass];
  return (
    <p className="banner ok" data-testid="registration">
      Registered as a {cls} with {DEFAULT_SCENARIO.suppliers[p.supplier]?.name ?? `supplier ${p.supplier + 1}`}: up to {formatKWh(p.importLimitWh)} bought and{" "}
      {formatKWh(p.exportLimitWh)} sold per interval.
    </p>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <small>{label}</small>
      <strong>{value}</strong>
    </div>
  );
}
