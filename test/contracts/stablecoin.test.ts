import { expect } from "chai";
import { network } from "hardhat";

import CommunityWithStablecoin from "../../deploy/modules/CommunityWithStablecoin.js";
import type { KiezMarket } from "../../types/ethers-contracts/index.js";

describe("A community settling in an existing euro stablecoin", function () {
  it("deploys through CommunityWithStablecoin with no token of its own and takes deposits in that coin", async function () {
    const { ethers, ignition } = await network.create();
    const [admin, , , , , , , , household] = await ethers.getSigners();
    // stands for a euro stablecoin already on the chain
    const coin = await ethers.deployContract("EuroToken", [await admin.getAddress()]);
    const deployed = await ignition.deploy(CommunityWithStablecoin, { parameters: { CommunityWithStablecoin: { token: await coin.getAddress() } } });
    const market = deployed.market as unknown as KiezMarket;
    expect(await market.token()).to.equal(await coin.getAddress());
    await coin.mint(await household.getAddress(), 10n ** 18n);
    await coin.connect(household).approve(await market.getAddress(), 10n ** 18n);
    await market.connect(household).deposit(10n ** 18n);
    expect((await market.accountOf(await household.getAddress())).free).to.equal(10n ** 18n);
    expect(await coin.balanceOf(await market.getAddress())).to.equal(10n ** 18n);
  });
});
