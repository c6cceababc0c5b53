// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DayHandler} from "./DayHandler.sol";
import {TestBase} from "./Vm.sol";

/// @notice One invariant per promise of day mode (contracts/MarketDays.sol), checked after every random sequence of the
///         handler's actions (standing orders changed, deposits and withdrawals, days run by the meter's one
///         transaction, posted in pages and settled whole or in steps, days left unread and voided, pauses, and an
///         altered clearing handed in before every honest one).
contract DayInvariantsTest is TestBase {
    DayHandler internal handler;

    function setUp() public {
        handler = new DayHandler();
        targetContract(address(handler));
    }

    /// No money is made or lost: the market's token balance, with what suppliers could not pay, equals every ledger
    /// balance together.
    function invariant_tokenBalanceEqualsLedger() public view {
        assertEq(
            handler.token().balanceOf(address(handler.market())) + handler.shortfallTotal(),
            handler.ledgerTotal(),
            "balance + shortfall vs ledger"
        );
    }

    /// Nothing is accepted that differs from the verified result: every altered clearing was refused.
    function invariant_noAlteredClearingAccepted() public view {
        assertEq(handler.alteredAccepted(), 0, "altered clearings accepted");
    }

    /// A day settles once.
    function invariant_noDaySettledTwice() public view {
        assertEq(handler.settledTwice(), 0, "days settled twice");
    }

    /// P2P Wh bought equals Wh sold in every settled day, and no member pays above its cap or sells below its floor.
    function invariant_p2pBalancedWithinLimits() public view {
        assertEq(handler.p2pImbalance(), 0, "days with bought != sold");
        assertEq(handler.fillBeyondLimit(), 0, "members filled beyond their limit prices");
    }

    /// A voided day moves no money; every day run without a pause settles.
    function invariant_voidMovesNothingAndDaysSettle() public view {
        assertEq(handler.voidMovedMoney(), 0, "voided days that moved money");
        assertEq(handler.unfinishedDays(), 0, "days run but not settled");
    }

    /// The market refuses only what the handler expects it to (a pending order change, a pause, an altered clearing, a
    /// second settlement): every other call goes through.
    function invariant_noUnexpectedRevert() public view {
        if (handler.unexpectedReverts() == 0) return;
        bytes memory reason = handler.lastUnexpected();
        if (reason.length == 0) assertEq(handler.unexpectedReverts(), 0, "unexpected reverts (a call went through that must not)");
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }
}
