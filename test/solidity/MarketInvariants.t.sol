// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {MarketHandler} from "./MarketHandler.sol";
import {TestBase} from "./Vm.sol";

/// @notice One invariant per promise of the market, checked after every random sequence of the handler's actions
///         (deposits, withdrawals, direct and relayed bids and their cancellations, overlapping intervals run in either
///         order with paged orders and readings, billing restarts, pauses, tariff changes, skipped days, a drained
///         supplier, dust bids and duplicate readings, refunds).
contract MarketInvariantsTest is TestBase {
    MarketHandler internal handler;

    function setUp() public {
        handler = new MarketHandler();
        targetContract(address(handler));
    }

    /// The market's token balance, with what suppliers could not pay, equals the sum of all ledger balances (free
    /// and locked, of households, suppliers and fee recipients).
    function invariant_tokenBalanceEqualsLedger() public view {
        assertEq(
            handler.token().balanceOf(address(handler.market())) + handler.shortfallTotal(),
            handler.ledgerTotal(),
            "balance + shortfall vs ledger"
        );
    }

    /// The market refuses only what the handler expects it to refuse (its limits, the order of intervals, a pause,
    /// a pending tariff, the adversary's dust bids and duplicate readings): every other call goes through.
    function invariant_noUnexpectedRevert() public view {
        if (handler.unexpectedReverts() == 0) return;
        // fail with the market's own revert, so that the report names the error
        bytes memory reason = handler.lastUnexpected();
        if (reason.length == 0) assertEq(handler.unexpectedReverts(), 0, "unexpected reverts (a call went through that must not)");
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    /// No buy fills above its limit and no sell below.
    function invariant_noFillBeyondLimit() public view {
        assertEq(handler.buyFilledAboveLimit(), 0, "buys filled above limit");
        assertEq(handler.sellFilledBelowLimit(), 0, "sells filled below limit");
    }

    /// P2P energy sold equals P2P energy bought in every interval.
    function invariant_p2pSoldEqualsBought() public view {
        assertEq(handler.p2pImbalance(), 0, "intervals with sold != bought");
    }

    /// Each interval's lifecycle only moves forward.
    function invariant_lifecycleForwardOnly() public view {
        assertEq(handler.phaseWentBack(), 0, "phase went back");
    }

    /// Liveness: every interval ends, Settled or (not billed in time) Refunded, whatever was or was not metered.
    function invariant_everyIntervalEnds() public view {
        assertEq(handler.unfinished(), 0, "intervals neither settled nor refunded");
    }

    /// No bill page settles twice.
    function invariant_noDoubleSettlement() public view {
        assertEq(handler.settledTwice(), 0, "settled twice");
    }
}
