/** Small shared view pieces: sections, form fields, a write's status line, an engine SVG chart. */
import type { ReactNode } from "react";

import { txMessage, type TxState } from "../lib/tx";
import type { Loaded } from "../hooks/loaded";

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  return (
    <section className="card" aria-labelledby={id ? `${id}-title` : undefined} data-testid={id}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

export function Field({ label, children, hint, error }: { label: string; children: ReactNode; hint?: string; error?: string | null }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in, inside the label
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small className="hint">{hint}</small>}
      {error && (
        <small className="error" role="alert">
          {error}
        </small>
      )}
    </label>
  );
}

export function TxStatus({ state }: { state: TxState }) {
  const text = txMessage(state);
  if (!text) return null;
  return (
    <p className={`tx tx-${state.status}`} role={state.status === "error" ? "alert" : "status"}>
      {text}
    </p>
  );
}

/** An SVG chart built by the engine's chart module (which escapes every label). */
export function SvgChart({ svg, label }: { svg: string; label: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG is the engine's own, every label in it escaped
  return <div className="chart" role="img" aria-label={label} dangerouslySetInnerHTML={{ __html: svg }} />;
}

export function Short({ address }: { address: string }) {
  return <code title={address}>{`${address.slice(0, 6)}…${address.slice(-4)}`}</code>;
}

/** While a hook's data loads: "Loading …" (never an empty state); if it failed: why, in words. */
export function Loading({ loaded, what }: { loaded: Pick<Loaded<unknown>, "loading" | "error" | "data">; what: string }) {
  if (loaded.error && loaded.data === undefined)
    return (
      <p className="error" role="alert">
        {loaded.error}
      </p>
    );
  if (loaded.loading || loaded.data === undefined)
    return (
      <p className="loading" role="status">
        Loading {what}…
      </p>
    );
  return null;
}
