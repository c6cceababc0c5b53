/** Tariffs and fee recipients: every way their setting must refuse. */
import { expect } from "chai";

import { tariffStruct } from "../../scripts/lib/market-driver.js";
import { deployCommunity, TARIFFS } from "./fixture.js";

describe("KiezMarket refusals: tariffs and fee recipients", function () {
  it("refuses a tariff set for another number of suppliers", async function () {
    const f = await deployCommunity();
    await expect(f.market.connect(f.roles.admin).setTariffs([tariffStruct(TARIFFS[0])]))
      .to.be.revertedWithCustomError(f.market, "MarketLengthMismatch")
      .withArgs(2, 1);
  });

  it("refuses a LEM network fee below the grid's", async function () {
    const f = await deployCommunity();
    const base = TARIFFS.map(tariffStruct);
    const lowNetwork = base.map((t, i) => (i === 1 ? { ...t, lemNetworkFee: t.networkFee - 1 } : t));
    await expect(f.market.connect(f.roles.admin).setTariffs(lowNetwork))
      .to.be.revertedWithCustomError(f.market, "TariffLemNetworkFeeBelowGrid")
      .withArgs(1, base[1].networkFee - 1, base[1].networkFee);
  });

  it("refuses LEM charges that leave a buyer no benefit over the grid", async function () {
    const f = await deployCommunity();
    const greedy = TARIFFS.map(tariffStruct).map((t, i) => (i === 0 ? { ...t, platformFee: 200_000 } : t));
    await expect(f.market.connect(f.roles.admin).setTariffs(greedy)).to.be.revertedWithCustomError(f.market, "TariffNoBuyerBenefit");
  });

  it("refuses a fee recipient at the zero address", async function () {
    const f = await deployCommunity();
    await expect(
      f.market.connect(f.roles.admin).announceFeeRecipients("0x0000000000000000000000000000000000000000", f.roles.taxCollector, f.roles.networkOperator),
    ).to.be.revertedWithCustomError(f.market, "MarketZeroAddress");
  });
});
