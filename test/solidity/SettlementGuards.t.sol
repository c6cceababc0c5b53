// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccountWord, AccountWords} from "../../contracts/AccountWord.sol";
import {Ledger} from "../../contracts/Ledger.sol";
import {IKiezMarketErrors as E} from "../../contracts/IKiezMarket.sol";
import {MarketSettlement} from "../../contracts/MarketSettlement.sol";
import {Bill, IntervalState, Phase, Tariff} from "../../contracts/MarketTypes.sol";
import {TestBase} from "./Vm.sol";

/// @notice Settlement's own state, set by hand: what the market's billing checks never let through can be handed to
///         settlement directly.
contract SettlementHarness {
    IntervalState internal _interval;
    Ledger internal _ledger;
    mapping(uint8 => mapping(uint16 => Tariff)) internal _tariffs;

    constructor(address buyer, uint256 lockedUnits) {
        _interval.info.phase = Phase.Billed;
        _interval.billing.billedPages = 1;
        _ledger.accounts[buyer] = AccountWords.pack(0, lockedUnits, 0, 0, 0, false, 0, 0);
        _ledger.supplierAccount[0] = address(0x5AA);
        _tariffs[0][0] = Tariff(170_000, 124_170, 30_600, 89_300, 82_000, 10_000, 35_000, 94_300, 312_329);
    }

    function settle(MarketSettlement.Context calldata ctx, Bill[] calldata bills) external {
        _interval.billPageDigest[ctx.page] = keccak256(abi.encode(bills));
        MarketSettlement.settle(_interval, _ledger, _tariffs, ctx, bills);
    }

    function phase() external view returns (Phase) {
        return _interval.info.phase;
    }
}

contract SettlementGuardsTest is TestBase {
    address internal constant BUYER = address(0xB0B);

    /// The last bill page of an interval settles only if its P2P pool balances: a bill set in which buyers pay in
    /// more than sellers are paid out (which billing's totals check keeps from ever being issued) is refused.
    function testRefusesAnUnbalancedPoolAtTheLastPage() public {
        // 100 Wh bought at 120,000 µEUR/kWh with the LEM charges, locked; nobody sold
        uint64 lock = 100 * (120_000 + 10_000 + 124_170 + 35_000 + 94_300);
        SettlementHarness harness = new SettlementHarness(BUYER, lock);
        Bill[] memory bills = new Bill[](1);
        bills[0] = Bill(BUYER, 0, 100, 0, 0, 0, lock);
        MarketSettlement.Context memory ctx =
            MarketSettlement.Context(1_000, 0, 120_000, 92, 1, address(0xF1), address(0xF2), address(0xF3));
        uint256 poolIn = uint256(100) * 120_000 * 1e9;
        vm.expectRevert(abi.encodeWithSelector(E.SettlementPoolUnbalanced.selector, uint32(1_000), poolIn, uint256(0)));
        harness.settle(ctx, bills);
        assertTrue(harness.phase() == Phase.Billed, "nothing settled");
    }
}
