// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarketRelay} from "./MarketRelay.sol";
import {MarketSettlement} from "./MarketSettlement.sol";
import {OrderRef} from "./OrderRef.sol";
import {
    Bid,
    BidBatch,
    BidRefs,
    Bill,
    BillingInput,
    BillingState,
    ClearingState,
    Interval,
    Ledger,
    OrderPage,
    Participant,
    ParticipantClass,
    Phase,
    MeteredReading,
    Reading,
    Side,
    Tariff
} from "./MarketTypes.sol";

/// @title MarketClearing
/// @notice Order verification, clearing and billing of KiezMarket, run on the market's storage by delegatecall
///         (a linked library keeps the market under the 24 KB code limit). The caller computes; this verifies.
library MarketClearing {
    /// @dev `sellPos` value that claims no pair matches (KiezMarket.NO_TRADE).
    uint32 internal constant NO_TRADE = type(uint32).max;

    using MarketMath for uint256;

    /// @dev Committed order pages laid out by position: packed entry i has position `base + i`.
    struct Flat {
        uint32 base;
        uint256[] entries;
        uint64[] cumBefore;
    }

    // ========================================================================================= ordering

    /// @dev Relayed bids handed back in their batches: word k of `handed` has bid index `handedIndex[k]`. No bid
    ///      can be ordered twice: keys (price, bid index) strictly increase along a side, across its pages, and a
    ///      bid has one side.
    struct Source {
        uint256[] handed;
        uint32[] handedIndex;
    }

    /// @notice Checks the next page of one side's sorted order and commits its digest.
    function submitOrder(
        Interval storage iv,
        ClearingState storage cs,
        mapping(uint32 => Bid) storage bids,
        mapping(uint32 => bytes32) storage batchDigests,
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        uint32 interval,
        uint16 pageSize,
        Side side,
        BidBatch[] calldata batches,
        OrderRef[] calldata order
    ) external {
        requireClearable(iv, interval);
        requirePageSize(iv, cs, interval, pageSize, side, order.length);
        commitPage(iv, cs, bids, digests, loadBatches(iv, batchDigests, interval, batches), interval, side, order);
    }

    /// @dev The community's page size holds for every page but a side's last: no caller can make billing dearer with
    ///      short pages.
    function requirePageSize(
        Interval storage iv,
        ClearingState storage cs,
        uint32 interval,
        uint16 pageSize,
        Side side,
        uint256 entries
    ) internal view {
        if (side != Side.Sell && side != Side.Buy) return; // commitPage refuses it by name
        uint256 end = (side == Side.Sell ? cs.sellsOrdered : cs.buysOrdered) + entries;
        // a short page must end its side (an empty or overlong one commitPage refuses by name)
        bool short = entries != 0 && entries < pageSize && end < (side == Side.Sell ? iv.sellCount : iv.buyCount);
        if (entries > pageSize || short) revert E.OrderPageSize(interval, side, entries, pageSize);
    }

    /// @dev Checks each batch handed back against its stored digest and lays their bids out in the order given.
    function loadBatches(
        Interval storage iv,
        mapping(uint32 => bytes32) storage batchDigests,
        uint32 interval,
        BidBatch[] calldata batches
    ) internal view returns (Source memory src) {
        uint256 n;
        for (uint256 b = 0; b < batches.length; ++b) {
            n += batches[b].bids.length;
        }
        src.handed = new uint256[](n);
        src.handedIndex = new uint32[](n);
        uint256 k;
        for (uint256 b = 0; b < batches.length; ++b) {
            uint256[] memory words = MarketRelay.requireBatch(iv, batchDigests, interval, batches[b]);
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

    /// @dev The bid an order names (OrderRef) and its index; a word of side None if there is no such bid.
    function take(
        mapping(uint32 => Bid) storage bids,
        Source memory src,
        Interval storage iv,
        uint32 interval,
        Side side,
        OrderRef ref
    ) internal view returns (uint256 w, uint32 idx) {
        if (ref.isHandedBack()) {
            uint32 pos = ref.index();
            if (pos >= src.handed.length) revert E.OrderPositionNotSupplied(side, pos);
            w = src.handed[pos];
            idx = src.handedIndex[pos];
        } else {
            idx = ref.index();
            Bid memory b = bids[idx];
            // A ring slot may still hold a bid of the interval BID_RING before: it is not this interval's bid.
            if (b.interval == interval && idx < iv.bidCount) w = MarketMath.packBid(b.participant, uint8(b.side), b.wh, b.price);
        }
    }

    /// @dev Checks one page of a side's sorted order, commits its digest and returns it laid out by position.
    function commitPage(
        Interval storage iv,
        ClearingState storage cs,
        mapping(uint32 => Bid) storage bids,
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        Source memory src,
        uint32 interval,
        Side side,
        OrderRef[] calldata order
    ) internal returns (Flat memory f) {
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
        uint256[] memory entries = new uint256[](order.length);
        uint64[] memory cumBefore = new uint64[](order.length);
        // The event carries the order as 4-byte big-endian bid indexes (a quarter of a word each, not a word).
        bytes memory packedIndexes = new bytes(order.length * 4);
        for (uint256 i = 0; i < order.length; ++i) {
            (uint256 w, uint32 idx) = take(bids, src, iv, interval, side, order[i]);
            Side actual = Side(MarketMath.bidSide(w));
            if (actual != side) revert E.OrderWrongSide(interval, idx, side, actual);
            uint64 key = MarketMath.sortKey(side, MarketMath.entryPrice(w), idx);
            if ((done != 0 || i != 0) && key <= lastKey) revert E.OrderNotSorted(interval, side, lastKey, key);
            lastKey = key;
            cumBefore[i] = cum;
            cum += MarketMath.entryWh(w);
            entries[i] = MarketMath.entryOf(w, idx);
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
        digests[side][page] = keccak256(abi.encode(side, done, cumStart, entries));
        emit Ev.OrderPageCommitted(interval, side, page, done, cumStart, packedIndexes);
        f = Flat(done, entries, cumBefore);
    }

    /// @notice Commits both sides' whole sorted orders, prices the interval and emits its trades in one
    ///         transaction, for intervals whose bids fit one: the orders stay in memory instead of coming back as
    ///         calldata pages.
    function orderAndClear(
        Interval storage iv,
        ClearingState storage cs,
        mapping(uint32 => Bid) storage bids,
        mapping(uint32 => bytes32) storage batchDigests,
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        uint32 interval,
        uint16 pageSize,
        BidBatch[] calldata batches,
        OrderRef[] calldata sellOrder,
        OrderRef[] calldata buyOrder,
        uint32 sellPos,
        uint32 buyPos
    ) external {
        requireClearable(iv, interval);
        // each side is one page: a side larger than a page is ordered page by page (submitOrder)
        if (sellOrder.length > pageSize) revert E.OrderPageSize(interval, Side.Sell, sellOrder.length, pageSize);
        if (buyOrder.length > pageSize) revert E.OrderPageSize(interval, Side.Buy, buyOrder.length, pageSize);
        if (cs.sellPages != 0 || cs.buyPages != 0) revert E.OrderAlreadyPaged(interval, cs.sellPages, cs.buyPages);
        Source memory src = loadBatches(iv, batchDigests, interval, batches);
        if (iv.phase == Phase.Open) iv.phase = Phase.Clearing;
        Flat memory sells;
        Flat memory buys;
        if (sellOrder.length != 0) sells = commitPage(iv, cs, bids, digests, src, interval, Side.Sell, sellOrder);
        if (buyOrder.length != 0) buys = commitPage(iv, cs, bids, digests, src, interval, Side.Buy, buyOrder);
        priceAndTrade(iv, cs, interval, sellPos, buyPos, sells, buys);
    }

    // ========================================================================================= clearing

    /// @notice Verifies the marginal pair (first call) and emits trades as far as the supplied pages reach.
    function clear(
        Interval storage iv,
        ClearingState storage cs,
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        uint32 interval,
        uint32 sellPos,
        uint32 buyPos,
        OrderPage[] calldata sellPages,
        OrderPage[] calldata buyPages
    ) external {
        requireClearable(iv, interval);
        Flat memory sells = flatten(digests, interval, Side.Sell, sellPages);
        Flat memory buys = flatten(digests, interval, Side.Buy, buyPages);
        priceAndTrade(iv, cs, interval, sellPos, buyPos, sells, buys);
    }

    /// @dev First call (both sides fully ordered): verify the marginal pair and fix the price; every call: emit
    ///      the trades the given orders reach, and close the clearing once every matched Wh is traded.
    function priceAndTrade(
        Interval storage iv,
        ClearingState storage cs,
        uint32 interval,
        uint32 sellPos,
        uint32 buyPos,
        Flat memory sells,
        Flat memory buys
    ) internal {
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

    function requireClearable(Interval storage iv, uint32 interval) internal view {
        if (iv.phase != Phase.Open && iv.phase != Phase.Clearing) revert E.IntervalWrongPhase(interval, iv.phase);
        if (block.timestamp < iv.gateClosesAt) {
            revert E.IntervalGateNotClosed(interval, iv.gateClosesAt, block.timestamp);
        }
    }

    function flatten(
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        uint32 interval,
        Side side,
        OrderPage[] calldata pages
    ) internal view returns (Flat memory f) {
        uint256 n;
        for (uint256 p = 0; p < pages.length; ++p) {
            n += pages[p].entries.length;
        }
        f.entries = new uint256[](n);
        f.cumBefore = new uint64[](n);
        if (pages.length == 0) return f;
        f.base = pages[0].startPos;
        uint256 k;
        for (uint256 p = 0; p < pages.length; ++p) {
            OrderPage calldata pg = pages[p];
            requireCommittedPage(digests, interval, side, pg, f.base + k);
            uint64 cum = pg.cumStartWh;
            uint256[] calldata entries = pg.entries;
            // cannot overflow: k < n (sized above); cum sums uint24 amounts, far below 2^64
            unchecked {
                for (uint256 i = 0; i < entries.length; ++i) {
                    uint256 e = entries[i];
                    f.entries[k] = e;
                    f.cumBefore[k] = cum;
                    cum += e.entryWh();
                    ++k;
                }
            }
        }
    }

    /// @dev A page handed back in must be the committed one (its digest) and follow the previous page given.
    function requireCommittedPage(
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        uint32 interval,
        Side side,
        OrderPage calldata pg,
        uint256 expectedStart
    ) internal view {
        if (keccak256(abi.encode(side, pg.startPos, pg.cumStartWh, pg.entries)) != digests[side][pg.page]) {
            revert E.OrderPageMismatch(interval, side, pg.page);
        }
        if (pg.startPos != expectedStart) revert E.OrderPagesNotConsecutive(side, uint32(expectedStart), pg.startPos);
    }

    function entryAt(Flat memory f, Side side, uint32 pos) internal pure returns (uint256, uint64) {
        if (pos < f.base || pos - f.base >= f.entries.length) revert E.OrderPositionNotSupplied(side, pos);
        return (f.entries[pos - f.base], f.cumBefore[pos - f.base]);
    }

    /// @dev The greedy merge of the sorted orders matches pairs while bid >= ask. It stops after (sellPos,
    ///      buyPos) iff that pair matches, overlaps in cumulative Wh, and the pair the merge would try next
    ///      does not match. Every earlier pair matches by monotonicity of the sorted prices.
    function verifyMarginalPair(Interval storage iv, uint32 sellPos, uint32 buyPos, Flat memory sells, Flat memory buys)
        internal
        view
        returns (uint32 price, uint64 matched)
    {
        if (iv.sellCount == 0 || iv.buyCount == 0) return (0, 0);
        if (sellPos == NO_TRADE) {
            (uint256 bestAsk,) = entryAt(sells, Side.Sell, 0);
            (uint256 bestBid,) = entryAt(buys, Side.Buy, 0);
            if (bestBid.entryPrice() >= bestAsk.entryPrice()) revert E.ClearingStillMatchable(0, 0);
            return (0, 0);
        }
        (uint256 s, uint64 cumS) = entryAt(sells, Side.Sell, sellPos);
        (uint256 b, uint64 cumB) = entryAt(buys, Side.Buy, buyPos);
        uint32 ask = s.entryPrice();
        uint32 bid = b.entryPrice();
        if (bid < ask) revert E.ClearingPairNotMatched(sellPos, buyPos, ask, bid);
        uint64 endS = cumS + s.entryWh();
        uint64 endB = cumB + b.entryWh();
        uint64 lo = cumS > cumB ? cumS : cumB;
        matched = endS < endB ? endS : endB;
        if (lo >= matched) revert E.ClearingPairDisjoint(sellPos, buyPos);
        bool sellerDone = endS == matched;
        bool buyerDone = endB == matched;
        bool nextSell = sellPos + 1 < iv.sellCount;
        bool nextBuy = buyPos + 1 < iv.buyCount;
        if (sellerDone && !buyerDone) {
            if (nextSell) {
                (uint256 s2,) = entryAt(sells, Side.Sell, sellPos + 1);
                if (s2.entryPrice() <= bid) revert E.ClearingStillMatchable(sellPos + 1, buyPos);
            }
        } else if (buyerDone && !sellerDone) {
            if (nextBuy) {
                (uint256 b2,) = entryAt(buys, Side.Buy, buyPos + 1);
                if (b2.entryPrice() >= ask) revert E.ClearingStillMatchable(sellPos, buyPos + 1);
            }
        } else if (nextSell && nextBuy) {
            (uint256 s2,) = entryAt(sells, Side.Sell, sellPos + 1);
            (uint256 b2,) = entryAt(buys, Side.Buy, buyPos + 1);
            if (b2.entryPrice() >= s2.entryPrice()) revert E.ClearingStillMatchable(sellPos + 1, buyPos + 1);
        }
        price = MarketMath.midpoint(ask, bid);
    }

    function emitTrades(uint32 interval, ClearingState storage cs, Flat memory sells, Flat memory buys) internal {
        uint64 traded = cs.tradedWh;
        uint64 matched = cs.matchedWh;
        uint32 price = cs.price;
        uint32 sp = cs.tradeSellPos;
        uint32 bp = cs.tradeBuyPos;
        while (traded < matched) {
            if (sp < sells.base || sp - sells.base >= sells.entries.length) break;
            if (bp < buys.base || bp - buys.base >= buys.entries.length) break;
            uint256 s = sells.entries[sp - sells.base];
            uint256 b = buys.entries[bp - buys.base];
            uint64 endS = sells.cumBefore[sp - sells.base] + s.entryWh();
            uint64 endB = buys.cumBefore[bp - buys.base] + b.entryWh();
            uint64 upTo = endS < endB ? endS : endB;
            if (upTo > matched) upTo = matched;
            emit Ev.TradeMatched(interval, s.entryParticipant(), b.entryParticipant(), upTo - traded, price);
            traded = upTo;
            if (endS == upTo) ++sp;
            if (endB == upTo) ++bp;
        }
        cs.tradedWh = traded;
        cs.tradeSellPos = sp;
        cs.tradeBuyPos = bp;
    }

    // ========================================================================================= metering

    /// @dev KiezMarket.MAX_METER_PAGE.
    uint256 internal constant MAX_METER_PAGE = 256;
    /// @dev KiezMarket.MAX_UNMETERED_PAGE: with a meter page's readings, a bill page holds at most 512 households, so
    ///      that the costliest bill page (every household recording a debt) stays well under the transaction gas cap.
    ///      A meter that has no data for more bidders of one page's range posts zero readings for them.
    uint256 internal constant MAX_UNMETERED_PAGE = 256;

    /// @notice Commits a page of readings (KiezMarket.postReadings): ascending by address from the previous page's last,
    ///         each within its household's registered limits, with its supplier.
    function postReadings(
        Interval storage iv,
        BillingState storage bs,
        mapping(address => Participant) storage participants,
        mapping(uint16 => address) storage meterPageLast,
        mapping(uint16 => bytes32) storage meterPageDigest,
        uint32 interval,
        Reading[] calldata readings
    ) external {
        if (iv.phase != Phase.Cleared && iv.phase != Phase.Metering) revert E.IntervalWrongPhase(interval, iv.phase);
        if (readings.length == 0) revert E.MeterEmptyPage();
        if (readings.length > MAX_METER_PAGE) revert E.MeterPageTooLarge(readings.length, MAX_METER_PAGE);
        uint16 page = bs.meterPages++;
        address previous = page == 0 ? address(0) : meterPageLast[page - 1];
        // The committed page carries each participant's supplier, so billing need not read registrations.
        uint256[] memory metered = new uint256[](readings.length);
        for (uint256 i = 0; i < readings.length; ++i) {
            Reading calldata r = readings[i];
            address who = r.participant;
            if (uint160(who) <= uint160(previous)) revert E.MeterReadingsNotAscending(interval, previous, who);
            previous = who;
            Participant memory p = participants[who];
            if (p.class == ParticipantClass.None) revert E.ParticipantNotRegistered(who);
            // bounded readings: no bill can overflow, and one reading moves at most a connection's worth of money
            if (r.importWh > p.importLimitWh || r.exportWh > p.exportLimitWh) {
                revert E.MeterReadingAboveLimit(who, r.importWh, r.exportWh, p.importLimitWh, p.exportLimitWh);
            }
            metered[i] = MarketMath.packReading(who, p.supplier, r.importWh, r.exportWh);
        }
        iv.phase = Phase.Metering;
        meterPageLast[page] = previous;
        meterPageDigest[page] = keccak256(abi.encode(metered));
        emit Ev.ReadingsPosted(interval, page, readings);
    }

    // ========================================================================================== billing

    /// @notice Bills one meter page (its digest checked by the market) and its unmetered participants, and returns the
    ///         bill page's digest.
    function bill(
        Interval storage iv,
        ClearingState storage cs,
        BillingState storage bs,
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(address => Participant) storage participants,
        mapping(uint16 => address) storage meterPageLast,
        uint32 interval,
        uint16 meterPage,
        BillingInput calldata input
    ) external returns (bytes32) {
        if (iv.phase != Phase.Metered && iv.phase != Phase.Billing) revert E.IntervalWrongPhase(interval, iv.phase);
        if (meterPage != bs.billedPages) revert E.BillingPageOutOfOrder(interval, meterPage, bs.billedPages);
        uint256[] memory readings = withUnmetered(participants, interval, input.readings, input.unmetered);
        if (input.refs.length != readings.length) revert E.MarketLengthMismatch(readings.length, input.refs.length);
        requireUnmeteredInPage(meterPageLast, interval, meterPage, meterPage + 1 == bs.meterPages, input);
        iv.phase = Phase.Billing;
        Flat memory sells = flatten(digests, interval, Side.Sell, input.sellPages);
        Flat memory buys = flatten(digests, interval, Side.Buy, input.buyPages);
        uint64 matched = cs.matchedWh;
        Bill[] memory bills = new Bill[](readings.length);
        bytes memory packed = new bytes(readings.length * 32);
        uint64 pageSold;
        uint64 pageBought;
        uint64 pageReleased;
        for (uint256 i = 0; i < readings.length; ++i) {
            MeteredReading memory r = MarketMath.unpackReading(readings[i]);
            Tariff memory t = tariffs[r.supplier][iv.tariffEpoch];
            Bill memory b = billOf(interval, r, input.refs[i], sells, buys, matched, t);
            bills[i] = b;
            storeWord(packed, i, MarketMath.packBill(b.participant, b.p2pBoughtWh, b.p2pSoldWh, b.gridImportWh, b.gridExportWh));
            pageSold += b.p2pSoldWh;
            pageBought += b.p2pBoughtWh;
            pageReleased += b.lockReleasedUnits;
        }
        emit Ev.BillsIssued(interval, meterPage, packed);
        bs.billedSoldWh += pageSold;
        bs.billedBoughtWh += pageBought;
        bs.releasedLockUnits += pageReleased;
        if (++bs.billedPages == bs.meterPages) {
            if (bs.billedSoldWh != matched || bs.billedBoughtWh != matched) {
                revert E.BillingTotalsMismatch(interval, bs.billedSoldWh, bs.billedBoughtWh, matched);
            }
            if (bs.releasedLockUnits != iv.lockUnits) {
                revert E.BillingLocksMismatch(interval, bs.releasedLockUnits, iv.lockUnits);
            }
            iv.phase = Phase.Billed;
            emit Ev.IntervalBilled(interval);
        }
        return keccak256(abi.encode(bills));
    }

    /// @dev The readings to bill: the committed ones, then a zero reading for each unmetered participant, with the
    ///      supplier of their registration.
    function withUnmetered(
        mapping(address => Participant) storage participants,
        uint32 interval,
        uint256[] calldata metered,
        address[] calldata unmetered
    ) private view returns (uint256[] memory all) {
        if (unmetered.length > MAX_UNMETERED_PAGE) {
            revert E.BillingUnmeteredTooMany(interval, unmetered.length, MAX_UNMETERED_PAGE);
        }
        uint256 n = metered.length;
        all = new uint256[](n + unmetered.length);
        for (uint256 i = 0; i < n; ++i) {
            all[i] = metered[i];
        }
        for (uint256 j = 0; j < unmetered.length; ++j) {
            address who = unmetered[j];
            Participant storage p = participants[who];
            if (p.class == ParticipantClass.None) revert E.ParticipantNotRegistered(who);
            all[n + j] = MarketMath.packReading(who, p.supplier, 0, 0);
        }
    }

    /// @dev Each unmetered participant billed with a meter page lies in that page's address range (after the previous
    ///      page's last reading; before this page's last unless it is the interval's last page), ascending, and is none
    ///      of the page's readings: as readings ascend across pages, no household is then billed twice.
    function requireUnmeteredInPage(
        mapping(uint16 => address) storage meterPageLast,
        uint32 interval,
        uint16 meterPage,
        bool lastPage,
        BillingInput calldata input
    ) private view {
        uint256[] calldata readings = input.readings;
        address[] calldata unmetered = input.unmetered;
        if (unmetered.length == 0) return;
        uint160 previous = meterPage == 0 ? 0 : uint160(meterPageLast[meterPage - 1]);
        uint160 high = lastPage ? type(uint160).max : uint160(meterPageLast[meterPage]);
        uint256 k;
        for (uint256 j = 0; j < unmetered.length; ++j) {
            uint160 who = uint160(unmetered[j]);
            if (who <= previous || who >= high) revert E.BillingUnmeteredOutOfRange(interval, unmetered[j]);
            while (k < readings.length && uint160(readings[k] >> 96) < who) ++k;
            if (k < readings.length && uint160(readings[k] >> 96) == who) {
                revert E.BillingUnmeteredWasMetered(interval, unmetered[j]);
            }
            previous = who;
        }
    }

    /// @notice Bills and settles an interval whose readings fit one meter page, in one transaction. Each
    ///         participant's fills and locks are summed from the committed orders themselves (into transient
    ///         storage, keyed by participant), so the caller names no bid positions; each bill is computed, issued
    ///         and settled at once, and the totals (every filled Wh and every lock accounted for) are checked
    ///         before the transaction can commit, so no money moves on an incomplete bill set. The sell pages must
    ///         reach the marginal pair; the buy pages must be complete (their locks are released). Cheaper than
    ///         `bill` then `settle`; larger communities page through those.
    function billAndSettle(
        Interval storage iv,
        ClearingState storage cs,
        BillingState storage bs,
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(address => Participant) storage participants,
        Ledger storage ledger,
        MarketSettlement.Context calldata ctx,
        BillingInput calldata input
    ) external {
        uint32 interval = ctx.interval;
        if (iv.phase != Phase.Metered) revert E.IntervalWrongPhase(interval, iv.phase);
        if (bs.meterPages != 1) revert E.BillingNeedsPages(interval, bs.meterPages);
        uint64 matched = cs.matchedWh;
        addFills(digests, interval, Side.Sell, input.sellPages, matched);
        addFills(digests, interval, Side.Buy, input.buyPages, matched);
        uint256 metered = input.readings.length;
        uint256[] memory readings = withUnmetered(participants, interval, input.readings, input.unmetered);
        Totals memory sums;
        sums.settlement = MarketSettlement.newTotals(ctx.supplierCount);
        sums.dayStart = MarketMath.isDayStart(interval, ctx.dayStartSlot);
        // one tariff read per supplier, not per participant
        Tariff[] memory tariffOf = new Tariff[](ctx.supplierCount);
        uint256 loaded;
        bytes memory packed = new bytes(readings.length * 32);
        for (uint256 i = 0; i < readings.length; ++i) {
            MeteredReading memory r = MarketMath.unpackReading(readings[i]);
            uint8 supplier = r.supplier;
            if (loaded & (1 << supplier) == 0) {
                tariffOf[supplier] = tariffs[supplier][iv.tariffEpoch];
                loaded |= 1 << supplier;
            }
            storeWord(packed, i, settleReading(ledger, ctx, r, tariffOf[supplier], sums, i >= metered));
        }
        if (sums.sold != matched || sums.bought != matched) {
            revert E.BillingTotalsMismatch(interval, sums.sold, sums.bought, matched);
        }
        if (sums.released != iv.lockUnits) revert E.BillingLocksMismatch(interval, sums.released, iv.lockUnits);
        MarketSettlement.PageTotals memory totals = sums.settlement;
        if (totals.poolIn != totals.poolOut) revert E.SettlementPoolUnbalanced(interval, totals.poolIn, totals.poolOut);
        MarketSettlement.creditFees(ledger, ctx, totals);
        bs.billedPages = 1;
        bs.settledPages = 1;
        bs.billedSoldWh = sums.sold;
        bs.billedBoughtWh = sums.bought;
        bs.releasedLockUnits = sums.released;
        bs.poolIn = SafeCast.toUint128(totals.poolIn);
        bs.poolOut = SafeCast.toUint128(totals.poolOut);
        iv.phase = Phase.Settled;
        emit Ev.BillsIssued(interval, 0, packed);
        emit Ev.IntervalBilled(interval);
        emit Ev.IntervalSettled(interval, totals.poolIn);
    }

    /// @dev Running totals of `billAndSettle`.
    struct Totals {
        uint64 sold;
        uint64 bought;
        uint64 released;
        bool dayStart;
        MarketSettlement.PageTotals settlement;
    }

    /// @dev Bills and settles one reading from the participant's summed fills; returns the packed bill.
    function settleReading(
        Ledger storage ledger,
        MarketSettlement.Context calldata ctx,
        MeteredReading memory r,
        Tariff memory t,
        Totals memory sums,
        bool unmetered
    ) private returns (uint256) {
        (uint64 sold, uint64 bought, uint64 released, bool found) = takeFills(r.participant, t);
        // an unmetered participant is billed for their bids: none left means a duplicate, or a metered household
        if (unmetered && !found) revert E.BillingUnmeteredWithoutBids(ctx.interval, r.participant);
        (uint32 gridImportWh, uint32 gridExportWh) = MarketMath.gridResidual(r.importWh, r.exportWh, bought, sold);
        MarketSettlement.settleBill(
            ledger,
            ctx.interval,
            r.participant,
            r.supplier,
            bought,
            sold,
            gridImportWh,
            gridExportWh,
            released,
            t,
            ctx.price,
            sums.dayStart,
            sums.settlement
        );
        sums.sold += sold;
        sums.bought += bought;
        sums.released += released;
        return MarketMath.packBill(r.participant, SafeCast.toUint32(bought), SafeCast.toUint32(sold), gridImportWh, gridExportWh);
    }

    /// @dev The top bit of the sold field of a participant's transient word: set by any of their sell entries.
    uint256 private constant SELL_MARK = 1 << 63;

    /// @dev Adds each committed entry's fill (and, for buys, its Wh and Wh × price for the lock) to its
    ///      participant's transient word: sold | bought << 64 | buyWh << 128 | buyWhPrice << 192. Pages are
    ///      checked against their committed digests and must be consecutive, so no entry counts twice.
    function addFills(
        mapping(Side => mapping(uint16 => bytes32)) storage digests,
        uint32 interval,
        Side side,
        OrderPage[] calldata pages,
        uint64 matched
    ) private {
        uint256 next = pages.length == 0 ? 0 : pages[0].startPos;
        for (uint256 p = 0; p < pages.length; ++p) {
            OrderPage calldata pg = pages[p];
            requireCommittedPage(digests, interval, side, pg, next);
            uint256 cum = pg.cumStartWh;
            uint256[] calldata entries = pg.entries;
            next += entries.length;
            for (uint256 i = 0; i < entries.length; ++i) {
                uint256 e = entries[i];
                uint256 wh = e.entryWh();
                uint256 filled = MarketMath.fill(matched, uint64(cum), uint24(wh));
                cum += wh;
                uint256 delta = side == Side.Sell ? filled : (filled << 64) | (wh << 128) | ((wh * e.entryPrice()) << 192);
                // a sell entry marks its participant's word even unfilled, so that an unmetered seller is found
                uint256 mark = side == Side.Sell ? SELL_MARK : 0;
                uint256 key = uint160(e.entryParticipant());
                // Cannot overflow a field: fills sum to at most `matched` (at most 1,024 bids of under 2^24 Wh, below
                // 2^34, so never reaching SELL_MARK), and a participant's buy Wh and Wh × price sum to at most the
                // interval's lockUnits, a uint64 checked as each bid was locked.
                assembly ("memory-safe") {
                    tstore(key, or(add(tload(key), delta), mark))
                }
            }
        }
    }

    /// @dev A participant's summed fills and released locks (at their tariff), read once: the word is cleared,
    ///      so a participant listed twice is not paid twice.
    function takeFills(address participant, Tariff memory t)
        private
        returns (uint64 sold, uint64 bought, uint64 released, bool found)
    {
        uint256 key = uint160(participant);
        uint256 w;
        assembly ("memory-safe") {
            w := tload(key)
            tstore(key, 0)
        }
        found = w != 0;
        sold = uint64(w & (SELL_MARK - 1));
        bought = uint64(w >> 64);
        // at most this participant's share of the interval's lockUnits (a uint64), by the same argument
        released = SafeCast.toUint64(uint256(uint64(w >> 192)) + uint256(uint64(w >> 128)) * MarketMath.lemCharges(t));
    }

    /// @dev Writes word `i` of a packed bytes array.
    function storeWord(bytes memory packed, uint256 i, uint256 word) private pure {
        assembly ("memory-safe") {
            mstore(add(add(packed, 32), mul(i, 32)), word)
        }
    }

    /// @dev One participant's bill from their reading and bid positions.
    function billOf(
        uint32 interval,
        MeteredReading memory r,
        BidRefs calldata ref,
        Flat memory sells,
        Flat memory buys,
        uint64 matched,
        Tariff memory t
    ) internal pure returns (Bill memory b) {
        (uint64 sold,) = sumFills(interval, Side.Sell, r.participant, ref.sellPositions, sells, matched, t);
        (uint64 bought, uint64 released) = sumFills(interval, Side.Buy, r.participant, ref.buyPositions, buys, matched, t);
        (uint32 gridImportWh, uint32 gridExportWh) = MarketMath.gridResidual(r.importWh, r.exportWh, bought, sold);
        b = Bill(
            r.participant, r.supplier, SafeCast.toUint32(bought), SafeCast.toUint32(sold), gridImportWh, gridExportWh, released
        );
    }

    /// @dev Sums a participant's fills on one side from their bid positions; for buys also the locks released.
    function sumFills(
        uint32 interval,
        Side side,
        address participant,
        uint32[] calldata positions,
        Flat memory order,
        uint64 matched,
        Tariff memory t
    ) internal pure returns (uint64 filled, uint64 released) {
        for (uint256 j = 0; j < positions.length; ++j) {
            uint32 pos = positions[j];
            if (j != 0 && pos <= positions[j - 1]) revert E.BillingPositionsNotIncreasing(side, positions[j - 1], pos);
            (uint256 e, uint64 cumBefore) = entryAt(order, side, pos);
            if (e.entryParticipant() != participant) {
                revert E.BillingWrongParticipant(interval, side, pos, participant, e.entryParticipant());
            }
            filled += MarketMath.fill(matched, cumBefore, e.entryWh());
            if (side == Side.Buy) released += MarketMath.buyLockUnits(t, e.entryWh(), e.entryPrice());
        }
    }
}
