// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {OrderEntry} from "./MarketWords.sol";
import {MarketOrdering} from "./MarketOrdering.sol";
import {OrderPages} from "./OrderPages.sol";
import {OrderRef} from "./OrderRef.sol";
import {
    BidBatch, BidRingSlot, ClearingState, Interval, IntervalState, OrderPage, Phase, Side
} from "./MarketTypes.sol";

/// @title MarketClearing
/// @notice Pricing an interval from its committed orders: the caller names the marginal pair of the greedy merge, the
///         contract verifies it, fixes the uniform price and emits the trades. The market's entry points for ordering
///         (MarketOrdering, compiled in) and clearing, run on its storage by delegatecall.
library MarketClearing {
    /// @dev `sellPos` value that claims no pair matches (KiezMarket.NO_TRADE).
    uint32 internal constant NO_TRADE = type(uint32).max;

    /// @notice Checks the next page of one side's sorted order and commits its digest (MarketOrdering).
    function submitOrder(
        IntervalState storage st,
        BidRingSlot storage ring,
        uint32 interval,
        uint16 pageSize,
        Side side,
        BidBatch[] calldata batches,
        OrderRef[] calldata order
    ) external {
        MarketOrdering.submitOrder(st, ring, interval, pageSize, side, batches, order);
    }

    /// @notice Commits both sides' whole sorted orders, prices the interval and emits its trades in one
    ///         transaction, for intervals whose bids fit one: the orders stay in memory instead of coming back as
    ///         calldata pages.
    function orderAndClear(
        IntervalState storage st,
        BidRingSlot storage ring,
        uint32 interval,
        uint16 pageSize,
        BidBatch[] calldata batches,
        OrderRef[] calldata sellOrder,
        OrderRef[] calldata buyOrder,
        uint32 sellPos,
        uint32 buyPos
    ) external {
        Interval storage iv = st.info;
        ClearingState storage cs = st.clearing;
        MarketOrdering.requireClearable(iv, interval);
        // each side is one page: a side larger than a page is ordered page by page (submitOrder)
        if (sellOrder.length > pageSize) revert E.OrderPageSize(interval, Side.Sell, sellOrder.length, pageSize);
        if (buyOrder.length > pageSize) revert E.OrderPageSize(interval, Side.Buy, buyOrder.length, pageSize);
        if (cs.sellPages != 0 || cs.buyPages != 0) revert E.OrderAlreadyPaged(interval, cs.sellPages, cs.buyPages);
        MarketOrdering.Source memory src = MarketOrdering.loadBatches(iv, ring, interval, batches);
        if (iv.phase == Phase.Open) iv.phase = Phase.Clearing;
        OrderPages.Flat memory sells;
        OrderPages.Flat memory buys;
        if (sellOrder.length != 0) sells = MarketOrdering.commitPage(st, ring, src, interval, Side.Sell, sellOrder);
        if (buyOrder.length != 0) buys = MarketOrdering.commitPage(st, ring, src, interval, Side.Buy, buyOrder);
        priceAndTrade(st, interval, sellPos, buyPos, sells, buys);
    }

    /// @notice Verifies the marginal pair (first call) and emits trades as far as the supplied pages reach.
    function clear(
        IntervalState storage st,
        uint32 interval,
        uint32 sellPos,
        uint32 buyPos,
        OrderPage[] calldata sellPages,
        OrderPage[] calldata buyPages
    ) external {
        MarketOrdering.requireClearable(st.info, interval);
        OrderPages.Flat memory sells = OrderPages.flatten(st, interval, Side.Sell, sellPages);
        OrderPages.Flat memory buys = OrderPages.flatten(st, interval, Side.Buy, buyPages);
        priceAndTrade(st, interval, sellPos, buyPos, sells, buys);
    }

    /// @dev First call (both sides fully ordered): verify the marginal pair and fix the price; every call: emit
    ///      the trades the given orders reach, and close the clearing once every matched Wh is traded.
    function priceAndTrade(
        IntervalState storage st,
        uint32 interval,
        uint32 sellPos,
        uint32 buyPos,
        OrderPages.Flat memory sells,
        OrderPages.Flat memory buys
    ) internal {
        (Interval storage iv, ClearingState storage cs) = (st.info, st.clearing);
        if (!cs.priced) {
            // Both sides are ordered even when one is empty: billing reads every buy bid to release its lock.
            if (cs.sellsOrdered != iv.sellCount) {
                revert E.OrderIncomplete(interval, Side.Sell, cs.sellsOrdered, iv.sellCount);
            }
            if (cs.buysOrdered != iv.buyCount) {
                revert E.OrderIncomplete(interval, Side.Buy, cs.buysOrdered, iv.buyCount);
            }
            iv.phase = Phase.Clearing;
            (uint32 price, uint64 matched) = verifyMarginalPair(iv, sellPos, buyPos, sells, buys);
            cs.price = price;
            cs.matchedWh = matched;
            cs.priced = true;
            emit Ev.IntervalPriced(interval, price, matched, sellPos, buyPos);
        }
        emitTrades(interval, cs, sells, buys);
        if (cs.tradedWh == cs.matchedWh) {
            iv.phase = Phase.Cleared;
            emit Ev.IntervalCleared(interval, cs.price, cs.matchedWh);
        }
    }

    /// @dev The greedy merge of the sorted orders matches pairs while bid >= ask. It stops after (sellPos,
    ///      buyPos) iff that pair matches, overlaps in cumulative Wh, and the pair the merge would try next
    ///      does not match. Every earlier pair matches by monotonicity of the sorted prices.
    function verifyMarginalPair(
        Interval storage iv,
        uint32 sellPos,
        uint32 buyPos,
        OrderPages.Flat memory sells,
        OrderPages.Flat memory buys
    )
        internal
        view
        returns (uint32 price, uint64 matched)
    {
        if (iv.sellCount == 0 || iv.buyCount == 0) return (0, 0);
        if (sellPos == NO_TRADE) {
            (OrderEntry bestAsk,) = OrderPages.entryAt(sells, Side.Sell, 0);
            (OrderEntry bestBid,) = OrderPages.entryAt(buys, Side.Buy, 0);
            if (bestBid.price() >= bestAsk.price()) revert E.ClearingStillMatchable(0, 0);
            return (0, 0);
        }
        (OrderEntry s, uint64 cumS) = OrderPages.entryAt(sells, Side.Sell, sellPos);
        (OrderEntry b, uint64 cumB) = OrderPages.entryAt(buys, Side.Buy, buyPos);
        uint32 ask = s.price();
        uint32 bid = b.price();
        if (bid < ask) revert E.ClearingPairNotMatched(sellPos, buyPos, ask, bid);
        uint64 endS = cumS + s.wh();
        uint64 endB = cumB + b.wh();
        uint64 lo = cumS > cumB ? cumS : cumB;
        matched = endS < endB ? endS : endB;
        if (lo >= matched) revert E.ClearingPairDisjoint(sellPos, buyPos);
        bool sellerDone = endS == matched;
        bool buyerDone = endB == matched;
        bool nextSell = sellPos + 1 < iv.sellCount;
        bool nextBuy = buyPos + 1 < iv.buyCount;
        if (sellerDone && !buyerDone) {
            if (nextSell) {
                (OrderEntry s2,) = OrderPages.entryAt(sells, Side.Sell, sellPos + 1);
                if (s2.price() <= bid) revert E.ClearingStillMatchable(sellPos + 1, buyPos);
            }
        } else if (buyerDone && !sellerDone) {
            if (nextBuy) {
                (OrderEntry b2,) = OrderPages.entryAt(buys, Side.Buy, buyPos + 1);
                if (b2.price() >= ask) revert E.ClearingStillMatchable(sellPos, buyPos + 1);
            }
        } else if (nextSell && nextBuy) {
            (OrderEntry s2,) = OrderPages.entryAt(sells, Side.Sell, sellPos + 1);
            (OrderEntry b2,) = OrderPages.entryAt(buys, Side.Buy, buyPos + 1);
            if (b2.price() >= s2.price()) revert E.ClearingStillMatchable(sellPos + 1, buyPos + 1);
        }
        price = MarketMath.midpoint(ask, bid);
    }

    /// @dev Emits the trades of the greedy merge from where the last call stopped, as far as the given pages reach.
    function emitTrades(
        uint32 interval,
        ClearingState storage cs,
        OrderPages.Flat memory sells,
        OrderPages.Flat memory buys
    ) internal {
        uint64 traded = cs.tradedWh;
        uint64 matched = cs.matchedWh;
        uint32 price = cs.price;
        uint32 sp = cs.tradeSellPos;
        uint32 bp = cs.tradeBuyPos;
        while (traded < matched) {
            if (sp < sells.base || sp - sells.base >= sells.entries.length) break;
            if (bp < buys.base || bp - buys.base >= buys.entries.length) break;
            OrderEntry s = sells.entries[sp - sells.base];
            OrderEntry b = buys.entries[bp - buys.base];
            uint64 endS = sells.cumBefore[sp - sells.base] + s.wh();
            uint64 endB = buys.cumBefore[bp - buys.base] + b.wh();
            uint64 upTo = endS < endB ? endS : endB;
            if (upTo > matched) upTo = matched;
            emit Ev.TradeMatched(interval, s.participant(), b.participant(), upTo - traded, price);
            traded = upTo;
            if (endS == upTo) ++sp;
            if (endB == upTo) ++bp;
        }
        cs.tradedWh = traded;
        cs.tradeSellPos = sp;
        cs.tradeBuyPos = bp;
    }
}
