/** A sweep's worker thread: runs the specs it is sent against the scenario it was started with. */
import { parentPort, workerData } from "node:worker_threads";

import type { Scenario } from "@kiezstrom/engine/scenario/scenario";
import { runSweepSpec, type SweepSpec } from "./sweep-run.js";

const base = workerData as Scenario;
parentPort?.on("message", async (spec: SweepSpec) => {
  try {
    parentPort?.postMessage({ row: await runSweepSpec(base, spec) });
  } catch (e) {
    parentPort?.postMessage({ error: `run ${spec.run}: ${(e as Error).message}` });
  }
});
