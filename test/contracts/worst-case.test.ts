/**
 * The costliest interval the contract accepts bills and settles with every transaction under the 16,777,216 gas
 * transaction cap (EIP-7825; the in-process chain enforces it, and each transaction is sent with exactly that limit,
 * so one that needs more fails here). See scripts/lib/worst-case.ts for what makes the case the worst.
 */
import { expect } from "chai";

import { GAS_CAP } from "../../scripts/lib/gas-measure.js";
import { measureWorstCase, type WorstCaseGas } from "../../scripts/lib/worst-case.js";

function expectUnderCap(run: WorstCaseGas, steps: string[]) {
  for (const step of steps) {
    expect(run.steps[step], `${step} ran`).to.not.equal(undefined);
    expect(run.steps[step].transactions, `${step} sent transactions`).to.be.greaterThan(0);
    expect(run.steps[step].maxGas, `${step}'s largest transaction`).to.be.lessThan(GAS_CAP);
  }
}

describe("worst case under the transaction gas cap", function () {
  this.timeout(600_000);

  it("bills and settles one full meter page with the most unmetered bidders, every bill recording a debt, in one transaction and paged", async function () {
    const run = await measureWorstCase({ meterPages: 1 });
    expect(run.meteredReadings).to.equal(256);
    expect(run.unmetered).to.equal(256);
    // the worst case: every one of the bills records a debt (a write of what the household owes)
    expect(run.debtsRecorded).to.deep.equal({ fused: run.households, paged: run.households });
    expectUnderCap(run, ["relayBids", "clear", "meter", "billAndSettle", "bill", "settle"]);
  });

  it("orders, clears, bills and settles the most bids an interval takes (1,024 households, half unmetered) page by page", async function () {
    const run = await measureWorstCase({ meterPages: 2 });
    expect(run.bids).to.equal(1_024);
    expect(run.debtsRecorded.paged).to.equal(1_024);
    expectUnderCap(run, ["relayBids", "order", "clear", "meter", "bill", "settle"]);
  });
});
