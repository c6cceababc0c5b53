import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // the dApp imports the engine from ../sim: one home of the domain for scripts, tests and the dApp
  server: { fs: { allow: [".."] } },
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 1000 },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.{ts,tsx}"],
    setupFiles: ["test/setup.ts"],
  },
});
