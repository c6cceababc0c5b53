import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { build } from "esbuild";

describe("engine core in a browser", () => {
  it("bundles for the browser platform: no Node built-ins, no file or terminal access", async () => {
    const result = await build({
      entryPoints: ["sim/engine.ts", "sim/report/outputs.ts", "sim/scenario/scenario.ts", "sim/gas-cost.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      outdir: "out/browser-check",
      logLevel: "silent",
    });
    assert.equal(result.errors.length, 0);
    const code = result.outputFiles.map((f) => f.text).join("\n");
    assert.doesNotMatch(code, /from "node:|require\("(fs|path|os|child_process)"\)|process\.(stdout|stderr|argv)/);
  });
});
