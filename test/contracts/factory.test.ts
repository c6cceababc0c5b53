/** The factory and a community's initialization: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";

import { tariffStruct } from "../../scripts/lib/market-driver.js";
import { deployCommunity, TARIFFS } from "./fixture.js";
import { market } from "./markets.js";

describe("KiezMarket refusals: factory", function () {
  it("creates independent communities and refuses a second initialization", async function () {
    const m = await market();
    const impl = await m.factory.implementation();
    const init = await m.communityInit({ suppliers: [await m.roles.supplier0.getAddress()], tariffs: [tariffStruct(TARIFFS[0])], gateLeadSeconds: 600 });
    const created = await (await m.factory.createCommunity("Second", init)).wait();
    const event = created!.logs.map((l) => m.factory.interface.parseLog(l)).find((e) => e?.name === "CommunityCreated")!;
    const second = m.market.attach(event.args.market) as typeof m.market;
    expect(await second.getAddress()).to.not.equal(await m.market.getAddress());
    expect(await second.supplierCount()).to.equal(1n);
    expect((await second.config()).gateLeadSeconds).to.equal(600n);
    expect(await second.token()).to.equal(await m.token.getAddress());
    expect((await second.participantOf(await m.pv.getAddress())).class).to.equal(0n);
    await expect(second.initialize(init)).to.be.revertedWithCustomError(m.market, "InvalidInitialization");
    await expect((m.market.attach(impl) as typeof m.market).initialize(init)).to.be.revertedWithCustomError(m.market, "InvalidInitialization");
  });

  it("refuses a community with no suppliers", async function () {
    const f = await deployCommunity();
    const init = await f.communityInit({ suppliers: [], tariffs: [] });
    await expect(f.factory.createCommunity("none", init)).to.be.revertedWithCustomError(f.market, "MarketTooManySuppliers").withArgs(0, 16);
  });
});
