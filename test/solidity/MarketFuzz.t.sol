// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {KiezMarket} from "../../contracts/KiezMarket.sol";
import {MarketMath} from "../../contracts/MarketMath.sol";
import {Bid, ClearingState, Phase, Side, Tariff} from "../../contracts/MarketTypes.sol";
import {MarketHandler} from "./MarketHandler.sol";
import {TestBase} from "./Vm.sol";

contract MarketFuzzTest is TestBase {
    MarketHandler internal handler;
    KiezMarket internal market;

    function setUp() public {
        handler = new MarketHandler();
        market = handler.market();
    }

    /// The handler's interval run really trades, so the invariant runs exercise clearing and settlement.
    function testHandlerRunsIntervalsWithTrades() public {
        handler.placeBid(2, true, 1_000, 1);
        handler.placeBid(3, true, 800, 5);
        handler.placeBid(0, false, 700, 90_000);
        handler.placeBid(1, false, 1_500, 120_000);
        uint32 id = handler.interval();
        handler.runInterval(7);
        assertEq(handler.intervalsSettled(), 1, "intervals settled");
        ClearingState memory cs = market.clearingOf(id);
        assertTrue(cs.matchedWh > 0, "something matched");
        assertEq(handler.token().balanceOf(address(market)), handler.ledgerTotal(), "balance vs ledger");
    }

    /// Interval after interval, with households left unread at random, every interval settles: a missing reading is
    /// billed as metering zero and never stops billing.
    function testHandlerSettlesIntervalsWithMissingReadings() public {
        for (uint256 seed = 0; seed < 8; ++seed) {
            handler.placeBid(2, true, 1_000, seed);
            handler.placeBid(3, true, 800, seed + 5);
            handler.placeBid(4, false, 600, 90_000);
            handler.placeBid(1, false, 1_500, 120_000);
            handler.runInterval(seed);
            assertEq(handler.intervalsSettled(), seed + 1, "every interval settled");
        }
        assertTrue(handler.unmeteredBilled() > 0, "some households were billed unread");
        assertEq(handler.token().balanceOf(address(market)), handler.ledgerTotal(), "balance vs ledger");
    }

    /// The handler's other actions really happen, so the invariant runs exercise them: relayed bids (one replaying a
    /// spent nonce, skipped) and their cancellation, two intervals open at once and the newer run first, orders and
    /// readings in pages, a billing restart, a duplicate reading and a dust bid refused, a pause met at clearing, a
    /// tariff epoch announced (a second one refused), a month skipped, a drained supplier's shortfall recorded.
    function testHandlerExercisesEveryAction() public {
        handler.openAhead();
        uint32 older = handler.live(0);
        uint32 newer = handler.live(1);
        // bids alternate between the two open intervals: a household's bid for the older after one for the newer is refused
        for (uint256 k = 0; k < 4; ++k) {
            handler.placeBid(2 + 6 * k, true, 200 + k, k); // the older interval (live index 0)
            handler.placeBid(3 + 6 * k, true, 300 + k, k + 9);
            handler.placeBid(0 + 6 * k, false, 400 + k, 90_000);
            handler.placeBid(1 + 6 * k, false, 500 + k, 120_000);
        }
        handler.placeBid(4, true, 23 * 7, 3); // a dust bid: refused
        assertTrue(handler.dustRefused() > 0, "a dust bid was refused");
        for (uint256 seed = 10; seed < 20; ++seed) handler.relayBids(seed, seed);
        handler.relayBids(25, 2); // replays a spent nonce: skipped, the batch goes through
        assertTrue(handler.relayedPlaced() > 0, "relayed bids placed");
        assertTrue(handler.relayedSkipped() > 0, "a replayed nonce was skipped");
        for (uint256 seed = 0; seed < 40 && handler.relayedCancelled() == 0; ++seed) handler.cancelRelayed(seed * 2);
        assertTrue(handler.relayedCancelled() > 0, "a relayed bid was cancelled");
        handler.announceTariffs(1);
        handler.announceTariffs(2); // one announcement at a time: refused
        assertEq(handler.tariffEpochsAnnounced(), 1, "one tariff epoch announced");
        handler.togglePause();
        handler.placeBid(2, true, 100, 1); // refused in the pause
        assertTrue(handler.pausedRefusals() > 0, "bids refused in a pause");
        handler.drainSupplier(0);
        handler.drainSupplier(1);
        // the newer interval first (seed >> 32 picks live index 1), two readings a meter page, billing restarted
        handler.runInterval((uint256(1) << 32) | (uint256(1) << 64) | 1);
        assertEq(handler.intervalsRunOutOfOrder(), 1, "the newer interval ran first");
        assertEq(uint8(market.intervalOf(newer).phase), uint8(Phase.Settled), "the newer interval settled");
        handler.runInterval(uint256(1) << 64 | 3);
        assertEq(uint8(market.intervalOf(older).phase), uint8(Phase.Settled), "the older interval settled");
        assertTrue(handler.pagedOrders() > 0, "orders committed in pages");
        assertTrue(handler.pagedMeterings() > 0, "readings posted in pages");
        assertTrue(handler.billingRestarts() > 0, "billing restarted");
        assertTrue(handler.duplicateReadingsRefused() > 0, "a household read twice was refused");
        // a sunny interval: households export, a drained supplier's feed-in exceeds its income and becomes its shortfall
        for (uint256 seed = 100; seed < 120 && handler.shortfallTotal() == 0; ++seed) {
            handler.placeBid(4, true, 300, seed);
            handler.placeBid(5, true, 300, seed);
            handler.runInterval((uint256(1) << 160) | (seed << 1));
        }
        assertTrue(handler.shortfallTotal() > 0, "the drained suppliers' feed-in became their shortfall");
        handler.skipDays(30);
        handler.runInterval(5); // the interval open before the skip, its gate long passed
        handler.placeBid(2, true, 700, 4);
        handler.placeBid(0, false, 600, 100_000);
        handler.runInterval(7);
        assertEq(market.intervalOf(handler.live(0)).tariffEpoch, 1, "intervals after the notice take the new tariff");
        if (handler.unexpectedReverts() != 0) {
            bytes memory reason = handler.lastUnexpected();
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
        assertEq(handler.unfinished(), 0, "every interval ended");
        assertEq(
            handler.token().balanceOf(address(market)) + handler.shortfallTotal(), handler.ledgerTotal(), "balance vs ledger"
        );
    }

    /// The grid takes exactly what P2P left: metered import plus P2P sales plus grid export equals metered export plus
    /// P2P purchases plus grid import, with at most one of grid import and export non-zero.
    function testFuzz_gridResidualBalances(uint32 importWh, uint32 exportWh, uint32 boughtWh, uint32 soldWh) public pure {
        importWh = uint32(bound(importWh, 0, 1 << 30));
        exportWh = uint32(bound(exportWh, 0, 1 << 30));
        boughtWh = uint32(bound(boughtWh, 0, 1 << 30));
        soldWh = uint32(bound(soldWh, 0, 1 << 30));
        (uint32 gridIn, uint32 gridOut) = MarketMath.gridResidual(importWh, exportWh, boughtWh, soldWh);
        assertTrue(gridIn == 0 || gridOut == 0, "one-sided");
        assertEq(uint256(importWh) + soldWh + gridOut, uint256(exportWh) + boughtWh + gridIn, "balanced");
    }

    /// The handler's refund path ends an interval nobody billed: every lock back, the books balanced.
    function testHandlerRefundsAStalledInterval() public {
        handler.placeBid(2, true, 1_000, 1);
        handler.placeBid(0, false, 700, 90_000);
        handler.placeBid(1, false, 900, 80_000);
        uint32 id = handler.interval();
        handler.stallInterval(true);
        assertEq(handler.intervalsRefunded(), 1, "intervals refunded");
        assertEq(uint256(market.intervalOf(id).phase), uint256(Phase.Refunded), "phase Refunded");
        assertEq(market.intervalOf(id).lockUnits, 0, "no lock left");
        assertEq(handler.token().balanceOf(address(market)), handler.ledgerTotal(), "balance vs ledger");
        assertEq(handler.unfinished(), 0, "every earlier interval ended");
    }

    /// A bid is accepted exactly when it is within the tariff bounds and the participant's limit.
    function testFuzz_bidAcceptedOnlyWithinBounds(bool sell, uint24 wh, uint32 price) public {
        address pv = handler.actors(2); // PV prosumer of supplier 0, limits 5,000 Wh
        Tariff memory t = market.tariffOf(0, 0);
        uint32 id = handler.interval();
        vm.prank(pv);
        try market.placeBid(id, sell ? Side.Sell : Side.Buy, wh, price) returns (uint32 idx) {
            Bid memory b = market.bidOf(id, idx);
            assertTrue(wh >= 10 && wh <= 5_000, "energy within the minimum and the limit");
            if (sell) {
                assertTrue(price > t.feedInTariff && price < t.energyPrice, "ask within FiT..EP");
            } else {
                assertTrue(price > 0 && price < t.energyPrice, "bid below EP");
                assertTrue(price + MarketMath.lemCharges(t) < MarketMath.timeOfUse(t), "bid plus LEM charges below ToU");
            }
            assertEq(b.wh, wh, "stored energy");
        } catch {
            bool inRange = sell
                ? (price > t.feedInTariff && price < t.energyPrice)
                : (price > 0 && price < t.energyPrice && price + MarketMath.lemCharges(t) < MarketMath.timeOfUse(t));
            bool affordable = sell || market.accountOf(pv).free >= uint256(wh) * (uint256(price) + MarketMath.lemCharges(t)) * 1e9;
            assertTrue(!(wh >= 10 && wh <= 5_000 && inRange && affordable), "a valid bid was refused");
        }
    }

    /// A fill never exceeds the bid, and fills of consecutive bids add up to the matched energy.
    function testFuzz_fillsPartitionMatchedEnergy(uint24 a, uint24 b, uint24 c, uint64 matched) public pure {
        uint64 total = uint64(a) + b + c;
        matched = uint64(bound(matched, 0, total));
        uint64 fa = MarketMath.fill(matched, 0, a);
        uint64 fb = MarketMath.fill(matched, a, b);
        uint64 fc = MarketMath.fill(matched, uint64(a) + b, c);
        assertTrue(fa <= a && fb <= b && fc <= c, "fill above bid");
        assertEq(fa + fb + fc, matched, "fills sum to matched");
    }

    /// The clearing price lies between the marginal ask and bid.
    function testFuzz_midpointBetweenAskAndBid(uint32 ask, uint32 bid) public pure {
        vm.assume(ask <= bid);
        uint32 p = MarketMath.midpoint(ask, bid);
        assertTrue(p >= ask && p <= bid, "midpoint outside [ask, bid]");
    }

    /// The clearing price rounds down: a buyer never pays above the midpoint (guards MarketMath.midpoint's rounding).
    function testFuzz_midpointRoundsDown(uint32 ask, uint32 bid) public pure {
        vm.assume(ask <= bid);
        assertEq(MarketMath.midpoint(ask, bid), (uint256(ask) + bid) / 2, "midpoint is the floor of (ask + bid) / 2");
        if ((uint256(ask) + bid) % 2 == 1) assertTrue(2 * uint256(MarketMath.midpoint(ask, bid)) < uint256(ask) + bid, "odd sum rounds down");
    }

    /// A lock that would not fit 64 bits reverts instead of wrapping (guards the SafeCast in MarketMath.lockUnits).
    function testLockUnitsRefusesOverflow() public {
        LockHarness h = new LockHarness();
        vm.expectRevert();
        h.lockUnits(type(uint64).max, type(uint24).max, type(uint32).max);
    }

    /// Below 2^64 the lock is exact.
    function testFuzz_lockUnitsExact(uint32 charges, uint24 wh, uint32 price) public {
        LockHarness h = new LockHarness();
        assertEq(h.lockUnits(charges, wh, price), uint256(wh) * (uint256(price) + charges), "lock = wh * (price + charges)");
    }
}

/// @dev Calls the library's internal lock formula from outside, so a revert can be expected.
contract LockHarness {
    function lockUnits(uint256 charges, uint24 wh, uint32 price) external pure returns (uint64) {
        return MarketMath.lockUnits(charges, wh, price);
    }
}

/// @dev Calls the account codec from outside, so a revert can be expected.
