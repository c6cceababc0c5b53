/** Registration, metering points and roles: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";

import { CLASS, SIDE, tariffStruct } from "../../scripts/lib/market-driver.js";
import { TARIFFS } from "./fixture.js";
import { market, T0 } from "./markets.js";

describe("KiezMarket refusals: registration and roles", function () {
  it("refuses a participant class outside consumer, PV and PV + battery", async function () {
    const m = await market();
    const c = m.market.connect(m.stranger);
    await expect(c.register(0, 0, 1000, 0))
      .to.be.revertedWithCustomError(m.market, "ParticipantInvalidClass")
      .withArgs(0);
    await expect(c.register(4, 0, 1000, 0))
      .to.be.revertedWithCustomError(m.market, "ParticipantInvalidClass")
      .withArgs(4);
  });

  it("refuses a consumer with an export limit", async function () {
    const m = await market();
    await expect(m.market.connect(m.stranger).register(CLASS.consumer, 0, 1000, 10))
      .to.be.revertedWithCustomError(m.market, "ParticipantConsumerCannotExport")
      .withArgs(10);
  });

  it("refuses an unknown supplier", async function () {
    const m = await market();
    await expect(m.market.connect(m.stranger).register(CLASS.pv, 2, 1000, 1000))
      .to.be.revertedWithCustomError(m.market, "MarketUnknownSupplier")
      .withArgs(2, 2);
  });

  it("refuses a second registration", async function () {
    const m = await market();
    await expect(m.market.connect(m.pv).register(CLASS.pv, 0, 1000, 1000))
      .to.be.revertedWithCustomError(m.market, "ParticipantAlreadyRegistered")
      .withArgs(await m.pv.getAddress());
  });

  // Each role's action refused to a stranger, with the role named (OpenZeppelin's AccessControl).
  const roleActions: {
    action: string;
    role: "DEFAULT_ADMIN_ROLE" | "OPERATOR_ROLE" | "METER_ROLE";
    call: (m: Awaited<ReturnType<typeof market>>) => Promise<unknown>;
  }[] = [
    {
      action: "onboard households",
      role: "DEFAULT_ADMIN_ROLE",
      call: async (m) =>
        m.market
          .connect(m.stranger)
          .onboard([await m.stranger.getAddress()], [{ class: 1, supplier: 0, importLimitWh: 1, exportLimitWh: 0, meteringPoint: 0 }]),
    },
    { action: "set tariffs", role: "DEFAULT_ADMIN_ROLE", call: (m) => m.market.connect(m.stranger).setTariffs(TARIFFS.map(tariffStruct)) },
    { action: "pause the market", role: "DEFAULT_ADMIN_ROLE", call: (m) => m.market.connect(m.stranger).pause() },
    { action: "open intervals", role: "OPERATOR_ROLE", call: (m) => m.market.connect(m.stranger).openIntervals(m.interval + 5, 1) },
    { action: "post readings", role: "METER_ROLE", call: (m) => m.market.connect(m.stranger).postReadings(m.interval, []) },
  ];
  for (const r of roleActions) {
    it(`lets only ${r.role} ${r.action}`, async function () {
      const m = await market();
      await expect(r.call(m))
        .to.be.revertedWithCustomError(m.market, "AccessControlUnauthorizedAccount")
        .withArgs(await m.stranger.getAddress(), await m.market[r.role]());
    });
  }

  it("registers the admin's batch onboarding with each household's supplier", async function () {
    const m = await market();
    const who = await m.stranger.getAddress();
    await m.market.connect(m.roles.admin).onboard([who], [{ class: 1, supplier: 1, importLimitWh: 3000, exportLimitWh: 0, meteringPoint: 0 }]);
    expect((await m.market.participantOf(who)).supplier).to.equal(1n);
  });

  it("refuses a LEM supplier margin below the grid's", async function () {
    const m = await market();
    const bad = TARIFFS.map(tariffStruct);
    bad[1] = { ...bad[1], lemSupplierMargin: bad[1].supplierMargin - 1 };
    await expect(m.market.connect(m.roles.admin).setTariffs(bad))
      .to.be.revertedWithCustomError(m.market, "TariffLemMarginBelowGrid")
      .withArgs(1, TARIFFS[1].prices.supplierMargin - 1, TARIFFS[1].prices.supplierMargin);
  });

  it("refuses a feed-in tariff not below the energy price", async function () {
    const m = await market();
    const fitTooHigh = TARIFFS.map(tariffStruct);
    fitTooHigh[0] = { ...fitTooHigh[0], feedInTariff: T0.energyPrice };
    await expect(m.market.connect(m.roles.admin).setTariffs(fitTooHigh)).to.be.revertedWithCustomError(m.market, "TariffFeedInNotBelowEnergyPrice");
  });

  it("keeps an open interval's tariff, and the next ones' within the notice, then applies the new one", async function () {
    const m = await market();
    const cheaper = TARIFFS.map(tariffStruct);
    cheaper[0] = { ...cheaper[0], energyPrice: 150_000 };
    await expect(m.market.connect(m.roles.admin).setTariffs(cheaper)).to.emit(m.market, "TariffSet").withArgs(0, 1, anyValue);
    // the interval opened before keeps epoch 0: an ask of 160,000 (< EP 170,000) is still fine there
    await m.market.connect(m.pv).placeBid(m.interval, SIDE.sell, 100, 160_000);
    // so does the next interval, opened within the notice period
    const next = m.interval + 1;
    await m.market.connect(m.roles.operator).openIntervals(next, 1);
    expect((await m.market.intervalOf(next)).tariffEpoch).to.equal(0n);
    // an interval starting once the notice has run takes the new tariff
    await m.networkHelpers.time.increase(30 * 86_400);
    const later = await m.openNextInterval(4); // a ring slot the two open intervals do not hold
    expect((await m.market.intervalOf(later)).tariffEpoch).to.equal(1n);
    await expect(m.market.connect(m.pv).placeBid(later, SIDE.sell, 100, 160_000))
      .to.be.revertedWithCustomError(m.market, "BidAskOutOfRange")
      .withArgs(160_000, T0.feedInTariff, 150_000);
  });
});
