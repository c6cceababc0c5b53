// Installs a Debian package the project's tests need (Chromium for the dApp's end-to-end test, z3 for the
// SMTChecker) when its binary is missing: with apt-get as root, or with password-less sudo. Otherwise, or when
// apt-get fails, it says what to install and returns false.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** True when `binary` exists or was installed from Debian's `pkg`; `purpose` names what needs it. */
export function ensureDebianPackage(pkg, binary, purpose) {
  if (existsSync(binary)) return true;
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const sudo = !asRoot && spawnSync("sudo", ["-n", "true"]).status === 0;
  if (!asRoot && !sudo) {
    console.error(`${binary} is missing: install Debian's ${pkg} package (sudo apt-get install ${pkg}) for ${purpose}`);
    return false;
  }
  const run = (args) => {
    const [cmd, ...rest] = sudo ? ["sudo", "-n", ...args] : args;
    console.log(`[setup] ${[cmd, ...rest].join(" ")}`);
    return spawnSync(cmd, rest, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status;
  };
  if (run(["apt-get", "update", "-qq"]) !== 0 || run(["apt-get", "install", "-y", "-qq", pkg]) !== 0 || !existsSync(binary)) {
    console.error(`could not install ${pkg} with apt-get; install it by hand (apt-get install ${pkg}) for ${purpose}`);
    return false;
  }
  return true;
}
