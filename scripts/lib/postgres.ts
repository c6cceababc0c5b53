/**
 * A throwaway PostgreSQL server for the indexer's scale-out test and the dApp benchmark: Debian's `postgresql` binaries, a fresh data
 * folder, 127.0.0.1 on a free port, trust authentication, stopped by its process id. As root the server runs as
 * the package's `postgres` user (PostgreSQL refuses to run as root), through setpriv so the pid is the server's.
 */
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { freePort } from "./local-node.js";

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  if (versions.length === 0) throw new Error("Debian's postgresql is not installed: run node scripts/ensure-postgres.mjs");
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

export async function startPostgres(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "kiezstrom-pg-"));
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? { uid: Number(spawnSync("id", ["-u", "postgres"]).stdout), gid: Number(spawnSync("id", ["-g", "postgres"]).stdout) } : null;
  if (user) chownSync(dir, user.uid, user.gid);
  const as = (command: string, args: string[]) =>
    user ? { command: "setpriv", args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", command, ...args] } : { command, args };
  const init = as(join(bin, "initdb"), ["-D", join(dir, "data"), "-U", "kiez", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const initRun = spawnSync(init.command, init.args, { encoding: "utf8" });
  if (initRun.status !== 0) throw new Error(`initdb failed: ${initRun.stderr}`);
  const port = await freePort();
  const serve = as(join(bin, "postgres"), ["-D", join(dir, "data"), "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
  const child = spawn(serve.command, serve.args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  child.stdout.on("data", (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/ready to accept connections/.test(log)) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${log}`);
    if (Date.now() > deadline) throw new Error(`postgres did not start within 30 s: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `postgres://kiez@127.0.0.1:${port}/postgres`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGINT"); // fast shutdown
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
