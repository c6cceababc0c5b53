#!/usr/bin/env node
// Makes sure Debian's PostgreSQL server is installed for the indexer's scale-out test (the test starts its own
// server on a free port and stops it by pid); exits 2 with what to install when it cannot be.
import { existsSync, readdirSync } from "node:fs";

import { ensureDebianPackage } from "./lib/debian-package.mjs";

const ROOT = "/usr/lib/postgresql";
const installed = existsSync(ROOT) && readdirSync(ROOT).some((v) => existsSync(`${ROOT}/${v}/bin/initdb`));
if (!installed && !ensureDebianPackage("postgresql", `${ROOT}/15/bin/initdb`, "the indexer's PostgreSQL test")) process.exit(2);
