#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the dApp's end-to-end test (playwright-core drives it; no
// browser download). Installs the `chromium` package with apt-get when it is missing and this runs as root
// (or with password-less sudo); otherwise says what to install and exits 2.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";
if (existsSync(CHROMIUM)) process.exit(0);

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
const sudo = !asRoot && spawnSync("sudo", ["-n", "true"]).status === 0;
if (!asRoot && !sudo) {
  console.error(`${CHROMIUM} is missing: install Debian's chromium package (sudo apt-get install chromium) for the dApp's end-to-end test`);
  process.exit(2);
}
const run = (args) => {
  const [cmd, ...rest] = sudo ? ["sudo", "-n", ...args] : args;
  console.log(`[setup] ${[cmd, ...rest].join(" ")}`);
  return spawnSync(cmd, rest, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status;
};
if (run(["apt-get", "update", "-qq"]) !== 0 || run(["apt-get", "install", "-y", "-qq", "chromium"]) !== 0 || !existsSync(CHROMIUM)) {
  console.error(`could not install chromium with apt-get; install it by hand (apt-get install chromium)`);
  process.exit(2);
}
