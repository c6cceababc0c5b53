/** Deposits and withdrawals: every way they must refuse, each asserted by its custom error and offending values. */
import { expect } from "chai";
import { EIP2612_PERMIT_TYPES } from "@kiezstrom/engine/market/onchain";
import { EUR } from "./fixture.js";
import { market } from "./markets.js";

describe("KiezMarket refusals: ledger", function () {
  it("refuses zero amounts and overdrawing, and lets withdrawals through while paused", async function () {
    const m = await market();
    await expect(m.market.connect(m.pv).deposit(0)).to.be.revertedWithCustomError(m.market, "LedgerZeroAmount");
    await expect(m.market.connect(m.pv).withdraw(21n * EUR))
      .to.be.revertedWithCustomError(m.market, "LedgerInsufficientFree")
      .withArgs(await m.pv.getAddress(), 21n * EUR, 20n * EUR);
    await m.market.connect(m.roles.admin).pause();
    await expect(m.market.connect(m.pv).withdraw(5n * EUR))
      .to.emit(m.market, "Withdrawn")
      .withArgs(await m.pv.getAddress(), 5n * EUR);
    expect(await m.token.balanceOf(await m.pv.getAddress())).to.equal(5n * EUR);
  });

  it("deposits with an EIP-2612 permit instead of an approval", async function () {
    const m = await market();
    const owner = m.stranger;
    const addr = await owner.getAddress();
    await m.token.connect(m.roles.admin).mint(addr, 7n * EUR);
    const deadline = BigInt((await m.networkHelpers.time.latest()) + 3600);
    const { chainId } = await m.ethers.provider.getNetwork();
    const signature = await owner.signTypedData(
      { name: "Kiezstrom Euro", version: "1", chainId, verifyingContract: await m.token.getAddress() },
      { Permit: [...EIP2612_PERMIT_TYPES.Permit] },
      { owner: addr, spender: await m.market.getAddress(), value: 7n * EUR, nonce: 0n, deadline },
    );
    const { v, r, s } = m.ethers.Signature.from(signature);
    await expect(m.market.connect(owner).depositWithPermit(7n * EUR, deadline, v, r, s))
      .to.emit(m.market, "Deposited")
      .withArgs(addr, 7n * EUR);
    expect((await m.market.accountOf(addr)).free).to.equal(7n * EUR);
  });
});
