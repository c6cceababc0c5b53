/**
 * Starts a Hardhat node on 127.0.0.1 (on a free port unless one is given) and stops it by its process id:
 * the machine is shared, so nothing assumes port 8545 or stops a node by name.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startNode(options: { port?: number } = {}): Promise<{ url: string; port: number; pid: number; stop: () => void }> {
  const port = options.port ?? (await freePort());
  const child = spawn("hardhat", ["node", "--hostname", "127.0.0.1", "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"], detached: false });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start within 60 s:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      if (/Started HTTP and WebSocket JSON-RPC server/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new Error(`could not start hardhat node: ${e.message}`)));
    child.on("exit", (code) =>
      reject(
        new Error(
          `hardhat node exited with ${code}${/EADDRINUSE|address already in use/i.test(output) ? ` (port ${port} is taken; choose another)` : ""}:\n${output.slice(-2000)}`,
        ),
      ),
    );
  });
  child.stdout.removeAllListeners("data");
  child.stdout.resume();
  child.stderr.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () => {
      if (child.pid && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    },
  };
}
