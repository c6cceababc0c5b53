import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { buildCommunity } from "@kiezstrom/engine/community";
import { simulate } from "@kiezstrom/engine/engine";
import { bauBill } from "@kiezstrom/engine/market/billing";
import { clearDay, dayBauLines, dayBillLines } from "@kiezstrom/engine/market/day";
import { lemCharges, timeOfUse } from "@kiezstrom/engine/market/tariff";
import { Random } from "@kiezstrom/engine/random";
import { allowedPrices, batteryBuyCap, bidStrategy, standingOrdersOf } from "@kiezstrom/engine/strategy";
import { simulationOutputs } from "@kiezstrom/engine/report/outputs";
import { summarize } from "@kiezstrom/engine/report/summary";
import { DEFAULT_SCENARIO, parseScenario, scaleCommunity, ScenarioError, type Scenario } from "@kiezstrom/engine/scenario/scenario";

const small = (over: Partial<Scenario> = {}): Scenario => ({ ...scaleCommunity(DEFAULT_SCENARIO, 40), ...over });

describe("engine", () => {
  it("with the market switched off, every LEM bill equals the BAU bill", async () => {
    const r = await simulate(small({ market: { ...DEFAULT_SCENARIO.market, enabled: false }, days: 2 }));
    for (const h of r.households) assert.equal(h.lemNano, h.bauNano, h.household.name);
    assert.equal(summarize(r).p2pKWh, 0);
  });

  it("P2P sold equals bought in every interval, and LEM grid import, export and their peaks never exceed BAU", async () => {
    const totals = { sold: 0, bought: 0 };
    const r = await simulate(small({ days: 3, start: "2023-05-02" }), {
      onInterval: (d) => {
        let sold = 0;
        let bought = 0;
        for (const b of d.bids) {
          const f = d.clearing.fills.get(b.index) ?? 0;
          if (b.side === "sell") sold += f;
          else bought += f;
        }
        assert.equal(sold, bought, `interval ${d.interval}`);
        assert.equal(sold, d.clearing.matchedWh);
        totals.sold += sold;
        totals.bought += bought;
      },
    });
    const s = summarize(r);
    assert.ok(s.p2pKWh > 0, "the market traded");
    assert.ok(s.grid.importLemKWh <= s.grid.importBauKWh, `import ${s.grid.importLemKWh} > ${s.grid.importBauKWh}`);
    assert.ok(s.grid.exportLemKWh <= s.grid.exportBauKWh, `export ${s.grid.exportLemKWh} > ${s.grid.exportBauKWh}`);
    assert.ok(s.grid.peakImportLemKW <= s.grid.peakImportBauKW, `peak import ${s.grid.peakImportLemKW} > ${s.grid.peakImportBauKW}`);
    assert.ok(s.grid.peakExportLemKW <= s.grid.peakExportBauKW, `peak export ${s.grid.peakExportLemKW} > ${s.grid.peakExportBauKW}`);
  });

  it("LEM grid import and export never exceed BAU in any interval, batteries trading with peers included", async () => {
    let intervals = 0;
    let batteryTrades = 0;
    for (const seed of [1, 2, 3]) {
      for (const start of ["2023-03-15", "2023-06-01", "2023-11-05"]) {
        const r = await simulate(
          { ...DEFAULT_SCENARIO, seed, start, days: 3 },
          {
            onInterval: (d) => {
              for (const b of d.bids) if (b.kind.startsWith("battery") && (d.clearing.fills.get(b.index) ?? 0) > 0) batteryTrades++;
            },
          },
        );
        for (const x of r.intervals) {
          intervals++;
          assert.ok(x.importLemWh <= x.importBauWh, `seed ${seed} ${x.localTime}: import LEM ${x.importLemWh} > BAU ${x.importBauWh}`);
          assert.ok(x.exportLemWh <= x.exportBauWh, `seed ${seed} ${x.localTime}: export LEM ${x.exportLemWh} > BAU ${x.exportBauWh}`);
        }
      }
    }
    assert.equal(intervals, 9 * 3 * 96);
    assert.ok(batteryTrades > 0, "batteries traded with peers");
  });

  it("gives byte-identical outputs for the same scenario and seed, and different ones for another seed", async () => {
    const a = simulationOutputs(await simulate(small()));
    const b = simulationOutputs(await simulate(small()));
    assert.deepEqual(a, b);
    const c = simulationOutputs(await simulate(small({ seed: 2 })));
    assert.notEqual(a["summary.json"], c["summary.json"]);
  });

  it("PV yields about 950–1,000 kWh per kWp over a year", async () => {
    const r = await simulate(small({ days: 365, start: "2023-01-01" }));
    const yieldPerKWp = summarize(r).pvKWhPerKWp;
    assert.ok(yieldPerKWp >= 930 && yieldPerKWp <= 1030, `yield ${yieldPerKWp}`);
  });
});

describe("scenario validation", () => {
  const clone = () => JSON.parse(JSON.stringify(DEFAULT_SCENARIO));
  // the scenario as its JSON, deliberately made wrong field by field
  // biome-ignore lint/suspicious/noExplicitAny: a malformed scenario is any shape
  const refusal = (mutate: (s: any) => void, field: string) => {
    const s = clone();
    mutate(s);
    assert.throws(
      () => parseScenario(s),
      (e: unknown) => e instanceof ScenarioError && e.field === field,
    );
  };

  it("accepts the default scenario", () => {
    assert.equal(parseScenario(clone()).name, DEFAULT_SCENARIO.name);
  });

  it("names the field and the fix for impossible values", () => {
    refusal((s) => (s.days = -1), "days");
    refusal((s) => (s.households.battery.minSoc = 0.99), "households.battery.minSoc");
    refusal((s) => (s.start = "2023-02-30"), "start");
    refusal((s) => (s.suppliers[0].tariff.prices.lemSupplierMargin = 1), "suppliers[0].tariff.prices");
    refusal((s) => (s.community[1].supplier = 5), "community[1].supplier");
    refusal((s) => (s.market.mechanism = "vickrey"), "market.mechanism");
    assert.equal(parseScenario({ ...clone(), market: { ...clone().market, mechanism: "midpoint" } }).market.mechanism, "midpoint");
    refusal((s) => (s.market.settlement = "weekly"), "market.settlement");
    refusal((s) => (s.market.strategy = "greedy"), "market.strategy");
    refusal((s) => Object.assign(s.market, { settlement: "day", mechanism: "pay-as-bid" }), "market.mechanism");
    refusal((s) => (s.colour = "blue"), "colour");
    refusal((s) => (s.extraHouseholds = [{ name: "x", class: "pv", supplier: 0 }]), "extraHouseholds[0].pvKWp");
  });
});

describe("households given in full", () => {
  it("draw their load from their appliances and keep their own preferences", async () => {
    const scenario = {
      ...scaleCommunity(DEFAULT_SCENARIO, 4),
      extraHouseholds: [
        {
          name: "Kettle home",
          class: "consumer" as const,
          supplier: 0,
          appliances: [
            { name: "kettle", ratedW: 2000, start: "07:00", durationMin: 15 },
            { name: "heat pump", ratedW: 1000, start: "22:00", durationMin: 180 },
          ],
          preferences: { autoTrading: false },
        },
      ],
    };
    const loads: number[] = [];
    let bidsFromKettleHome = 0;
    const r = await simulate(scenario, {
      onInterval: (d) => {
        loads.push(d.readings[4].importWh);
        bidsFromKettleHome += d.bids.filter((b) => b.household === 4).length;
      },
    });
    const home = r.households[4];
    assert.equal(home.household.name, "Kettle home");
    assert.equal(loads[28], 500); // 07:00–07:15 at 2 kW
    assert.equal(loads[27], 0);
    assert.equal(loads[88], 250); // 22:00–22:15 at 1 kW
    assert.equal(loads[95], 250);
    assert.equal(loads[0], 250); // the daily heat-pump run's last hour, 00:00–01:00, falls at the start of every day
    assert.equal(home.loadWh, 500 + 12 * 250);
    assert.equal(bidsFromKettleHome, 0, "auto-trading off");
    assert.equal(home.lemNano, home.bauNano);
  });
});

describe("eqs. 20–21: worse off than BAU", () => {
  it("counts the household-intervals whose LEM bill is above the BAU bill, and the households whose result is, their batteries' end charge valued in both", async () => {
    const scenario = small({ days: 2, start: "2023-05-02" });
    let intervals = 0;
    const r = await simulate(scenario, {
      onInterval: (d) => {
        for (let i = 0; i < d.lemBills.length; i++) if (d.lemBills[i].net > d.bauBills[i].net) intervals++;
      },
    });
    const s = summarize(r);
    assert.equal(s.worseOff.householdIntervals, intervals);
    const households = r.households.filter((h) => {
      if (!h.household.battery) {
        assert.equal(h.endChargeBauNano + h.endChargeLemNano, 0);
        return h.lemNano > h.bauNano;
      }
      return h.lemNano - h.endChargeLemNano > h.bauNano - h.endChargeBauNano;
    }).length;
    assert.equal(s.worseOff.households, households);
    assert.ok(
      r.households.some((h) => h.endChargeLemNano > 0),
      "batteries end the run charged",
    );
  });

  it("bids a battery's peer purchases only below what the energy is worth to it after the round trip", async () => {
    // in winter batteries top up from peers at midday; at 93% each way a round trip keeps 86.5%, and the cap
    // (about 9.5 ct/kWh here) falls inside the range batteries draw their bids from
    const base = small({ days: 3, start: "2023-01-15" });
    const battery = { ...base.households.battery, chargeEfficiency: 0.93, dischargeEfficiency: 0.93 };
    const scenario = { ...base, households: { ...base.households, battery } };
    const homes = buildCommunity(scenario);
    let batteryBuys = 0;
    await simulate(scenario, {
      onInterval: (d) => {
        for (const b of d.bids) {
          if (b.kind !== "batteryBuy") continue;
          batteryBuys++;
          const h = homes[b.household];
          const t = scenario.suppliers[h.supplier].tariff.prices;
          assert.ok(b.price <= batteryBuyCap(t, h.battery!), `bid ${b.price} above the cap ${batteryBuyCap(t, h.battery!)}`);
          assert.ok(b.price + lemCharges(t) < timeOfUse(t) * h.battery!.chargeEfficiency * h.battery!.dischargeEfficiency);
        }
      },
    });
    assert.ok(batteryBuys > 0, "batteries bid for peer energy");
  });
});

describe("bidding strategies", () => {
  it("truthful: every ask at the least the household accepts, every bid at the most it may pay", async () => {
    const scenario = small({ days: 1 });
    const homes = buildCommunity(scenario);
    let checked = 0;
    await simulate(
      { ...scenario, market: { ...scenario.market, strategy: "truthful" } },
      {
        onInterval: (d) => {
          for (const b of d.bids) {
            const h = homes[b.household];
            const t = scenario.suppliers[h.supplier].tariff.prices;
            const prefs =
              b.kind === "batteryBuy" && h.battery
                ? { ...h.preferences, maxBuyPrice: Math.min(h.preferences.maxBuyPrice ?? Infinity, batteryBuyCap(t, h.battery)) }
                : h.preferences;
            const r = allowedPrices(b.kind, t, prefs)!;
            assert.equal(b.price, b.side === "sell" ? r.lo : r.hi, `${b.kind} of household ${b.household}`);
            checked++;
          }
        },
      },
    );
    assert.ok(checked > 100);
  });

  it("adaptive: a Roth–Erev learner comes to choose the price level that paid, and a run is deterministic", async () => {
    const strategy = bidStrategy("adaptive");
    const t = DEFAULT_SCENARIO.suppliers[0].tariff.prices;
    const prefs = DEFAULT_SCENARIO.households.preferences;
    const rng = new Random("learner");
    // every sale at the lowest level fills at a good price; the others never fill
    for (let round = 0; round < 200; round++) {
      const bid = strategy.price(0, "surplus", t, prefs, rng)!;
      const filled = bid.level === 0 ? 1_000 : 0;
      strategy.learn(0, "surplus", bid.level!, filled, filled * (t.feedInTariff + 30_000), t);
    }
    const levels = Array.from({ length: 200 }, () => strategy.price(0, "surplus", t, prefs, rng)!.level);
    assert.ok(levels.filter((l) => l === 0).length > 120, `level 0 chosen ${levels.filter((l) => l === 0).length} of 200 times`);
    // another household and kind learned nothing
    const fresh = Array.from({ length: 200 }, () => strategy.price(1, "surplus", t, prefs, rng)!.level);
    assert.ok(fresh.filter((l) => l === 0).length < 60);

    const scenario = { ...small({ days: 2 }), market: { ...DEFAULT_SCENARIO.market, strategy: "adaptive" as const } };
    const a = simulationOutputs(await simulate(scenario));
    const b = simulationOutputs(await simulate(scenario));
    assert.equal(a["summary.json"], b["summary.json"]);
    assert.notEqual(
      a["summary.json"],
      simulationOutputs(await simulate({ ...scenario, market: { ...scenario.market, strategy: "zero-intelligence" } }))["summary.json"],
    );
  });
});

describe("forecast error", () => {
  it("bids forecast quantities, meters the actual ones, and settles what was traded but not delivered with the grid", async () => {
    const perfect = summarize(await simulate(small({ days: 2 })));
    assert.equal(perfect.imbalanceKWh, 0);
    for (const forecast of [{ method: "persistence" as const }, { method: "noisy" as const, errorPct: 30 }]) {
      const scenario = small({ days: 2 });
      let delivered = true;
      const r = await simulate(
        { ...scenario, market: { ...scenario.market, forecast } },
        {
          onInterval: (d) => {
            for (const b of d.bids) {
              if (b.kind !== "surplus" && b.kind !== "demand") continue;
              const actual = b.side === "sell" ? d.readings[b.household].exportWh : d.readings[b.household].importWh;
              if (b.wh !== actual) delivered = false;
            }
            // P2P stays balanced, and every bill's grid part is the metered position less the P2P trades
            let sold = 0;
            let bought = 0;
            for (const t of d.clearing.trades) sold += t.wh;
            for (const b of d.bids) if (b.side === "buy") bought += d.clearing.fills.get(b.index) ?? 0;
            assert.equal(sold, bought);
          },
        },
      );
      const s = summarize(r);
      assert.equal(delivered, false, `${forecast.method}: some bids differ from what was metered`);
      assert.ok(s.imbalanceKWh > 0, `${forecast.method}: some energy traded was not delivered`);
    }
  });

  it("refuses an unknown forecast method or an error outside 0–100%", () => {
    const bad = (forecast: unknown) => () =>
      parseScenario({ ...JSON.parse(JSON.stringify(DEFAULT_SCENARIO)), market: { ...DEFAULT_SCENARIO.market, forecast } });
    assert.throws(bad({ method: "oracle" }), (e: unknown) => e instanceof ScenarioError && e.field === "market.forecast.method");
    assert.throws(bad({ method: "noisy", errorPct: 150 }), (e: unknown) => e instanceof ScenarioError && e.field === "market.forecast.errorPct");
    assert.equal(
      parseScenario({ ...JSON.parse(JSON.stringify(DEFAULT_SCENARIO)), market: { ...DEFAULT_SCENARIO.market, forecast: { method: "noisy", errorPct: 10 } } })
        .market.forecast?.method,
      "noisy",
    );
  });
});

describe("clearing mechanisms in the engine", () => {
  it("reports what buyers actually paid: each interval's price and the average are the trades' volume-weighted price", async () => {
    for (const mechanism of ["uniform", "pay-as-bid", "midpoint"] as const) {
      const scenario = small({ days: 1 });
      let paid = 0;
      let wh = 0;
      const prices: number[] = [];
      const r = await simulate(
        { ...scenario, market: { ...scenario.market, mechanism } },
        {
          onInterval: (d) => {
            const value = d.clearing.trades.reduce((s, t) => s + t.wh * t.price, 0);
            paid += value;
            wh += d.clearing.matchedWh;
            prices.push(d.clearing.matchedWh > 0 ? Math.round(value / d.clearing.matchedWh) : 0);
          },
        },
      );
      assert.ok(wh > 0, `${mechanism}: something traded`);
      assert.deepEqual(
        r.intervals.map((x) => x.price),
        prices,
        mechanism,
      );
      assert.equal(summarize(r).averageClearingPrice, Math.round(paid / wh), mechanism);
    }
    const byMechanism = async (mechanism: "uniform" | "pay-as-bid") =>
      summarize(await simulate({ ...small({ days: 1 }), market: { ...DEFAULT_SCENARIO.market, mechanism } })).averageClearingPrice;
    assert.ok((await byMechanism("pay-as-bid")) > (await byMechanism("uniform")), "buyers' bids are above the uniform price on average");
  });
});

describe("day settlement in the engine", () => {
  const daySettled = (over: Partial<Scenario> = {}): Scenario => {
    const s = small({ days: 3, start: "2023-05-02", ...over });
    return { ...s, market: { ...s.market, settlement: "day" } };
  };

  it("bills every household what day mode's reference clearing of its metered readings bills it, to the nano-euro", async () => {
    const scenario = daySettled();
    const homes = buildCommunity(scenario);
    const orders = standingOrdersOf(scenario, homes);
    const nets: number[][][] = [];
    const r = await simulate(scenario, {
      onInterval: (d) => {
        if (d.slot === 0) nets[d.dayIndex] = d.readings.map(() => []);
        for (const [i, x] of d.readings.entries()) nets[d.dayIndex][i].push(x.importWh - x.exportWh);
        // ex post: every order is the household's whole metered position, one side at a time
        for (const b of d.bids) assert.equal(b.wh, b.side === "sell" ? d.readings[b.household].exportWh : d.readings[b.household].importWh);
      },
    });
    const parties = homes.map((h, i) => ({ account: `0x${String(i).padStart(40, "0")}`, supplier: h.supplier, ...orders[i] }));
    const tariffs = scenario.suppliers.map((x) => x.tariff);
    const expected = homes.map(() => 0);
    for (const day of nets)
      for (const [i, b] of clearDay(parties, day, tariffs).bills.entries()) {
        expected[i] += b.lines.net;
        // what the indexer and the contract bill from the day's reported totals: the same lines
        const tariff = tariffs[parties[i].supplier];
        assert.deepEqual(dayBillLines(b.quantities, tariff), b.lines);
        const bau = day[i].reduce((n, net, slot) => n + bauBill(Math.max(net, 0), Math.max(-net, 0), tariff, slot === 0).net, 0);
        assert.equal(dayBauLines(b.quantities, tariff).net, bau);
      }
    assert.deepEqual(
      r.households.map((h) => h.lemNano),
      expected,
    );
    assert.ok(summarize(r).p2pKWh > 0, "the community trades");
    assert.equal(summarize(r).settlement, "day");
  });

  it("draws each household's standing order once from its seed, and none for a household that does not trade automatically", () => {
    const scenario = daySettled();
    const homes = buildCommunity(scenario);
    assert.deepEqual(standingOrdersOf(scenario, homes), standingOrdersOf(scenario, homes));
    assert.notDeepEqual(standingOrdersOf({ ...scenario, seed: 2 }, homes), standingOrdersOf(scenario, homes));
    const manual = homes.map((h) => ({ ...h, preferences: { ...h.preferences, autoTrading: false } }));
    for (const o of standingOrdersOf(scenario, manual)) assert.deepEqual(o, { floor: 0, cap: 0 });
  });

  it("reports interval settlement's KPIs beside a day-settled run's", async () => {
    const scenario = daySettled({ days: 1 });
    const interval = summarize(await simulate({ ...scenario, market: { ...scenario.market, settlement: "interval" } }));
    const out = simulationOutputs(await simulate(scenario), undefined, interval);
    assert.match(out["report.md"], /## Interval and day settlement, side by side/);
    assert.equal(JSON.parse(out["summary.json"]).otherSettlement.settlement, "interval");
  });
});
