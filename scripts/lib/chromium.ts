/**
 * Debian's Chromium as the project's browser tests and benchmarks start it (playwright-core, no browser download):
 * headless, and without the background connections this machine's closed network refuses.
 */
export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
