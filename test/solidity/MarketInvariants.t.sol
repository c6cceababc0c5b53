// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {MarketHandler} from "./MarketHandler.sol";
import {TestBase} from "./Vm.sol";

/// @notice One invariant per promise of the market, checked after every random sequence of deposits,
///         withdrawals, bids, cancellations and full intervals.
contract MarketInvariantsTest is TestBase {
    MarketHandler internal handler;

    function setUp() public {
        handler = new MarketHandler();
        targetContract(address(handler));
    }

    /// The market's token balance equals the sum of all ledger balances (free, locked, fee buckets).
    function invariant_tokenBalanceEqualsLedger() public view {
        assertEq(handler.token().balanceOf(address(handler.market())), handler.ledgerTotal(), "balance vs ledger");
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
