// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {BidWord, BidWords, OrderEntry} from "./MarketWords.sol";
import {MarketRelay} from "./MarketRelay.sol";
import {OrderPages} from "./OrderPages.sol";
import {OrderRef} from "./OrderRef.sol";
import {Bid, BidBatch, BidRingSlot, ClearingState, Interval, IntervalState, Phase, Side} from "./MarketTypes.sol";

/// @title MarketOrdering
/// @notice The sorted orders of an interval's bids, as the caller hands them in: checked (every bid once, on its side,
///         in key order) and committed page by page as digests. Compiled into MarketClearing, whose `submitOrder` and
///         `orderAndClear` the market calls.
library MarketOrdering {
    /// @dev Relayed bids handed back in their batches: word k of `handed` has bid index `handedIndex[k]`. No bid
    ///      can be ordered twice: keys (price, bid index) strictly increase along a side, across its pages, and a
    ///      bid has one side.
    struct Source {
        BidWord[] handed;
        uint32[] handedIndex;
        /// the interval's bid count, read once: a direct bid's index must be below it
        uint32 bidCount;
    }

    /// @notice Checks the next page of one side's sorted order and commits its digest.
    function submitOrder(
        IntervalState storage st,
        BidRingSlot storage ring,
        uint32 interval,
        uint16 pageSize,
        Side side,
        BidBatch[] calldata batches,
        OrderRef[] calldata order
    ) internal {
        requireClearable(st.info, interval);
        requirePageSize(st, interval, pageSize, side, order.length);
        commitPage(st, ring, loadBatches(st.info, ring, interval, batches), interval, side, order);
    }

    /// @dev The community's page size holds for every page but a side's last: no caller can make billing dearer with
    ///      short pages.
    function requirePageSize(
        IntervalState storage st,
        uint32 interval,
        uint16 pageSize,
        Side side,
        uint256 entries
    ) internal view {
        if (side != Side.Sell && side != Side.Buy) return; // commitPage refuses it by name
        (Interval storage iv, ClearingState storage cs) = (st.info, st.clearing);
        uint256 end = (side == Side.Sell ? cs.sellsOrdered : cs.buysOrdered) + entries;
        // a short page must end its side (an empty or overlong one commitPage refuses by name)
        bool short = entries != 0 && entries < pageSize && end < (side == Side.Sell ? iv.sellCount : iv.buyCount);
        if (entries > pageSize || short) revert E.OrderPageSize(interval, side, entries, pageSize);
    }

    /// @dev Checks each batch handed back against its stored digest and lays their bids out in the order given.
    function loadBatches(
        Interval storage iv,
        BidRingSlot storage ring,
        uint32 interval,
        BidBatch[] calldata batches
    ) internal view returns (Source memory src) {
        uint256 n;
        for (uint256 b = 0; b < batches.length; ++b) {
            n += batches[b].bids.length;
        }
        src.bidCount = iv.bidCount;
        src.handed = new BidWord[](n);
        src.handedIndex = new uint32[](n);
        uint256 k;
        for (uint256 b = 0; b < batches.length; ++b) {
            BidWord[] memory words = MarketRelay.requireBatch(iv, ring, interval, batches[b]);
            uint32 first = batches[b].firstBidIndex;
            // cannot overflow: k < n (sized above); a batch's indexes were numbered by a uint32 bid count
            unchecked {
                for (uint256 j = 0; j < words.length; ++j) {
                    src.handed[k] = words[j];
                    src.handedIndex[k] = first + uint32(j);
                    ++k;
                }
            }
        }
    }

    /// @dev The bid an order names (OrderRef) as an order entry, and its side (None if there is no such bid).
    function take(
        BidRingSlot storage ring,
        Source memory src,
        uint32 interval,
        Side side,
        OrderRef ref
    ) internal view returns (OrderEntry, Side) {
        BidWord w;
        uint32 idx;
        if (ref.isHandedBack()) {
            uint32 pos = ref.index();
            if (pos >= src.handed.length) revert E.OrderPositionNotSupplied(side, pos);
            w = src.handed[pos];
            idx = src.handedIndex[pos];
        } else {
            idx = ref.index();
            Bid memory b = ring.bids[idx];
            // A ring slot may still hold a bid of the interval BID_RING before: it is not this interval's bid.
            if (b.interval == interval && idx < src.bidCount) w = BidWords.pack(b.participant, uint8(b.side), b.wh, b.price);
        }
        return (w.entry(idx), w.side());
    }

    /// @dev Checks one page of a side's sorted order, commits its digest and returns it laid out by position.
    function commitPage(
        IntervalState storage st,
        BidRingSlot storage ring,
        Source memory src,
        uint32 interval,
        Side side,
        OrderRef[] calldata order
    ) internal returns (OrderPages.Flat memory f) {
        (Interval storage iv, ClearingState storage cs) = (st.info, st.clearing);
        if (order.length == 0) revert E.OrderEmptyPage();
        if (side != Side.Sell && side != Side.Buy) revert E.BidInvalidSide(uint8(side));
        if (iv.phase == Phase.Open) iv.phase = Phase.Clearing;
        bool isSell = side == Side.Sell;
        uint32 done = isSell ? cs.sellsOrdered : cs.buysOrdered;
        uint32 onSide = isSell ? iv.sellCount : iv.buyCount;
        if (done + order.length > onSide) revert E.OrderTooLong(interval, side, done + order.length, onSide);
        uint64 lastKey = isSell ? cs.lastSellKey : cs.lastBuyKey;
        uint64 cumStart = isSell ? cs.sellCumWh : cs.buyCumWh;
        uint64 cum = cumStart;
        OrderEntry[] memory entries = new OrderEntry[](order.length);
        uint64[] memory cumBefore = new uint64[](order.length);
        // The event carries the order as 4-byte big-endian bid indexes (a quarter of a word each, not a word).
        bytes memory packedIndexes = new bytes(order.length * 4);
        for (uint256 i = 0; i < order.length; ++i) {
            (OrderEntry e, Side actual) = take(ring, src, interval, side, order[i]);
            if (actual != side) revert E.OrderWrongSide(interval, e.bidIndex(), side, actual);
            uint64 key = MarketMath.sortKey(side, e.price(), e.bidIndex());
            if ((done != 0 || i != 0) && key <= lastKey) revert E.OrderNotSorted(interval, side, lastKey, key);
            lastKey = key;
            cumBefore[i] = cum;
            cum += e.wh();
            entries[i] = e;
            uint32 idx = e.bidIndex();
            assembly ("memory-safe") {
                let slot4 := add(add(packedIndexes, 32), mul(i, 4))
                mstore8(slot4, shr(24, idx))
                mstore8(add(slot4, 1), shr(16, idx))
                mstore8(add(slot4, 2), shr(8, idx))
                mstore8(add(slot4, 3), idx)
            }
        }
        uint16 page;
        if (isSell) {
            page = cs.sellPages++;
            cs.sellsOrdered = done + uint32(order.length);
            cs.lastSellKey = lastKey;
            cs.sellCumWh = cum;
        } else {
            page = cs.buyPages++;
            cs.buysOrdered = done + uint32(order.length);
            cs.lastBuyKey = lastKey;
            cs.buyCumWh = cum;
        }
        st.orderPageDigest[side][page] = keccak256(abi.encode(side, done, cumStart, entries));
        emit Ev.OrderPageCommitted(interval, side, page, done, cumStart, packedIndexes);
        f = OrderPages.Flat(done, entries, cumBefore);
    }

    /// @dev Ordering and clearing run once the gate has closed, before the interval is cleared.
    function requireClearable(Interval storage iv, uint32 interval) internal view {
        if (iv.phase != Phase.Open && iv.phase != Phase.Clearing) revert E.IntervalWrongPhase(interval, iv.phase);
        if (block.timestamp < iv.gateClosesAt) {
            revert E.IntervalGateNotClosed(interval, iv.gateClosesAt, block.timestamp);
        }
    }
}
