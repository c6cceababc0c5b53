#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the dApp's end-to-end test (playwright-core drives it; no
// browser download); exits 2 with what to install when it cannot be.
import { ensureDebianPackage } from "./lib/debian-package.mjs";

if (!ensureDebianPackage("chromium", "/usr/bin/chromium", "the dApp's end-to-end test")) process.exit(2);
