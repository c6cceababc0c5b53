/**
 * My Home in the browser: the household's home (sim/home.ts) kept per address in this browser. A registered
 * household starts from the simulated home that stands in for it (the one a local dev meter meters).
 */
export { communityScenario, homeProblem, initialHome, simulateHome, type HomeDay, type HomeSpec } from "@kiezstrom/engine/home";
import type { HomeSpec } from "@kiezstrom/engine/home";

const STORAGE_KEY = "kiezstrom:home:";

export function loadHome(address: string): HomeSpec | null {
  try {
    const text = localStorage.getItem(STORAGE_KEY + address.toLowerCase());
    return text ? (JSON.parse(text) as HomeSpec) : null;
  } catch {
    return null;
  }
}

/** Window event fired when a home is saved, so every view of it (My Home, auto-trading) reloads. */
export const HOME_SAVED = "kiezstrom:home-saved";

export function saveHome(address: string, home: HomeSpec): void {
  localStorage.setItem(STORAGE_KEY + address.toLowerCase(), JSON.stringify(home));
  window.dispatchEvent(new CustomEvent(HOME_SAVED, { detail: address.toLowerCase() }));
}

/** Hands the home to a local community's dev meter, which then reads it; returns what to tell the household. */
export async function shareHomeWithMeter(homeUrl: string, address: string, home: HomeSpec): Promise<{ ok: boolean; message: string }> {
  try {
    const res = await fetch(homeUrl, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ address, home }) });
    const json = (await res.json().catch(() => ({}))) as { error?: string };
    return res.ok
      ? { ok: true, message: "Saved. On this local chain your meter reads this home from the next interval it meters." }
      : { ok: false, message: `Saved here, but the local meter refused it: ${json.error ?? res.status}` };
  } catch {
    return { ok: false, message: "Saved here, but the local meter cannot be reached." };
  }
}
