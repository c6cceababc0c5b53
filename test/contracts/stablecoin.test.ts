import { expect } from "chai";
import { network } from "hardhat";

import CommunityWithStablecoin from "../../deploy/modules/CommunityWithStablecoin.js";
import type { KiezMarket } from "../../types/ethers-contracts/index.js";
import { deployCommunity } from "./fixture.js";

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

  it("refuses a stablecoin whose decimals the market cannot price exactly (a 6-decimal euro, as EURC is)", async function () {
    const f = await deployCommunity();
    const coin = await f.ethers.deployContract("TestStablecoin", [6, 0]);
    const init = await f.communityInit({ token: await coin.getAddress() });
    await expect(f.factory.createCommunity("six decimals", init))
      .to.be.revertedWithCustomError(f.market, "MarketTokenDecimals")
      .withArgs(await coin.getAddress(), 6);
  });

  it("credits what actually arrived from a token that takes a fee on transfer", async function () {
    const { ethers, ignition } = await network.create();
    const [, , , , , , , , household] = await ethers.getSigners();
    const coin = await ethers.deployContract("TestStablecoin", [18, 100]); // 1% fee
    const deployed = await ignition.deploy(CommunityWithStablecoin, { parameters: { CommunityWithStablecoin: { token: await coin.getAddress() } } });
    const market = deployed.market as unknown as KiezMarket;
    const who = await household.getAddress();
    await coin.mint(who, 10n ** 18n);
    await coin.connect(household).approve(await market.getAddress(), 10n ** 18n);
    await expect(market.connect(household).deposit(10n ** 18n))
      .to.emit(market, "Deposited")
      .withArgs(who, 99n * 10n ** 16n);
    expect((await market.accountOf(who)).free).to.equal(99n * 10n ** 16n);
    // the ledger holds no more than the token balance: every withdrawal can be paid
    expect(await coin.balanceOf(await market.getAddress())).to.equal(99n * 10n ** 16n);
    await market.connect(household).withdraw(99n * 10n ** 16n);
  });

  /** A community in a token that calls its recipients back, and a household contract holding 2 EUR in it. */
  async function hookedHousehold() {
    const { ethers, ignition } = await network.create();
    const coin = await ethers.deployContract("HookedStablecoin");
    const deployed = await ignition.deploy(CommunityWithStablecoin, { parameters: { CommunityWithStablecoin: { token: await coin.getAddress() } } });
    const market = deployed.market as unknown as KiezMarket;
    const household = await ethers.deployContract("ReentrantHousehold", [await market.getAddress()]);
    await coin.mint(await household.getAddress(), 2n * 10n ** 18n);
    await household.deposit(await coin.getAddress(), 2n * 10n ** 18n);
    return { market, household };
  }

  it("refuses a withdrawal reentered from the token's transfer callback (withdraw is nonReentrant)", async function () {
    const { market, household } = await hookedHousehold();
    // with 2 EUR free, a second 1 EUR withdrawal inside the first's payout would go through without the guard
    await expect(household.withdraw(10n ** 18n)).to.be.revertedWithCustomError(market, "ReentrancyGuardReentrantCall");
    expect((await market.accountOf(await household.getAddress())).free).to.equal(2n * 10n ** 18n);
  });

  it("debits a withdrawal before the token moves: the payout's callback already sees the lower balance", async function () {
    const { household } = await hookedHousehold();
    await household.watch();
    await household.withdraw(5n * 10n ** 17n);
    // with the transfer first, the callback would still see 2 EUR
    expect(await household.freeSeenInPayout()).to.equal(15n * 10n ** 17n);
  });
});
