// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SlotDerivation} from "@openzeppelin/contracts/utils/SlotDerivation.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {Ledger} from "./Ledger.sol";
import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {BillWord, BillWords, OrderEntry, ReadingWord, ReadingWords} from "./MarketWords.sol";
import {MarketSettlement} from "./MarketSettlement.sol";
import {OrderPages} from "./OrderPages.sol";
import {
    BidRefs,
    Bill,
    BillingInput,
    BillingState,
    Interval,
    IntervalState,
    OrderPage,
    Participant,
    ParticipantClass,
    Phase,
    Reading,
    Side,
    Tariff
} from "./MarketTypes.sol";

/// @title MarketBilling
/// @notice Metering and billing of KiezMarket: readings committed page by page, then each household's bill computed
///         from its reading and its fills in the committed orders (and, in `billAndSettle`, settled at once); run on
///         the market's storage by delegatecall.
library MarketBilling {
    using TransientSlot for bytes32;
    using TransientSlot for TransientSlot.Uint256Slot;

    /// @dev KiezMarket.MAX_METER_PAGE.
    uint256 internal constant MAX_METER_PAGE = 256;
    /// @dev KiezMarket.MAX_UNMETERED_PAGE: with a meter page's readings, a bill page holds at most 512 households, so
    ///      that the costliest bill page (every household recording a debt) stays well under the transaction gas cap.
    ///      A meter that has no data for more bidders of one page's range posts zero readings for them.
    uint256 internal constant MAX_UNMETERED_PAGE = 256;

    /// @notice Commits a page of readings (KiezMarket.postReadings): ascending by address from the previous page's last,
    ///         each within its household's registered limits, with its supplier.
    function postReadings(
        IntervalState storage st,
        mapping(address => Participant) storage participants,
        uint32 interval,
        Reading[] calldata readings
    ) external {
        (Interval storage iv, BillingState storage bs) = (st.info, st.billing);
        if (iv.phase != Phase.Cleared && iv.phase != Phase.Metering) revert E.IntervalWrongPhase(interval, iv.phase);
        if (readings.length == 0) revert E.MeterEmptyPage();
        if (readings.length > MAX_METER_PAGE) revert E.MeterPageTooLarge(readings.length, MAX_METER_PAGE);
        uint16 page = bs.meterPages++;
        address previous = page == 0 ? address(0) : st.meterPageLast[page - 1];
        // The committed page carries each participant's supplier, so billing need not read registrations.
        ReadingWord[] memory metered = new ReadingWord[](readings.length);
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
            metered[i] = ReadingWords.pack(who, p.supplier, r.importWh, r.exportWh);
        }
        iv.phase = Phase.Metering;
        st.meterPageLast[page] = previous;
        st.meterPageDigest[page] = keccak256(abi.encode(metered));
        emit Ev.ReadingsPosted(interval, page, readings);
    }

    // ========================================================================================== billing

    /// @notice Bills one meter page and its unmetered participants, and commits the bill page's digest.
    function bill(
        IntervalState storage st,
        mapping(address => Participant) storage participants,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        uint32 interval,
        uint16 meterPage,
        BillingInput calldata input
    ) external {
        requireCommittedReadings(st, interval, meterPage, input.readings);
        (Interval storage iv, BillingState storage bs) = (st.info, st.billing);
        if (iv.phase != Phase.Metered && iv.phase != Phase.Billing) revert E.IntervalWrongPhase(interval, iv.phase);
        if (meterPage != bs.billedPages) revert E.BillingPageOutOfOrder(interval, meterPage, bs.billedPages);
        ReadingWord[] memory readings = withUnmetered(participants, interval, input.readings, input.unmetered);
        if (input.refs.length != readings.length) revert E.MarketLengthMismatch(readings.length, input.refs.length);
        requireUnmeteredInPage(st, interval, meterPage, meterPage + 1 == bs.meterPages, input);
        iv.phase = Phase.Billing;
        OrderPages.Flat memory sells = OrderPages.flatten(st, interval, Side.Sell, input.sellPages);
        OrderPages.Flat memory buys = OrderPages.flatten(st, interval, Side.Buy, input.buyPages);
        uint64 matched = st.clearing.matchedWh;
        Bill[] memory bills = new Bill[](readings.length);
        bytes memory packed = new bytes(readings.length * 32);
        uint64 pageSold;
        uint64 pageBought;
        uint64 pageReleased;
        for (uint256 i = 0; i < readings.length; ++i) {
            ReadingWord r = readings[i];
            Tariff memory t = tariffs[r.supplier()][iv.tariffEpoch];
            Bill memory b = billOf(interval, r, input.refs[i], sells, buys, matched, t);
            bills[i] = b;
            storeWord(packed, i, BillWords.pack(b.participant, b.p2pBoughtWh, b.p2pSoldWh, b.gridImportWh, b.gridExportWh));
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
        st.billPageDigest[meterPage] = keccak256(abi.encode(bills));
    }

    /// @dev The readings handed back for a meter page must be the ones committed (postReadings).
    function requireCommittedReadings(IntervalState storage st, uint32 interval, uint16 page, ReadingWord[] calldata readings)
        private
        view
    {
        if (keccak256(abi.encode(readings)) != st.meterPageDigest[page]) revert E.MeterPageMismatch(interval, page);
    }

    /// @dev The readings to bill: the committed ones, then a zero reading for each unmetered participant, with the
    ///      supplier of their registration.
    function withUnmetered(
        mapping(address => Participant) storage participants,
        uint32 interval,
        ReadingWord[] calldata metered,
        address[] calldata unmetered
    ) private view returns (ReadingWord[] memory all) {
        if (unmetered.length > MAX_UNMETERED_PAGE) {
            revert E.BillingUnmeteredTooMany(interval, unmetered.length, MAX_UNMETERED_PAGE);
        }
        uint256 n = metered.length;
        all = new ReadingWord[](n + unmetered.length);
        for (uint256 i = 0; i < n; ++i) {
            all[i] = metered[i];
        }
        for (uint256 j = 0; j < unmetered.length; ++j) {
            address who = unmetered[j];
            Participant storage p = participants[who];
            if (p.class == ParticipantClass.None) revert E.ParticipantNotRegistered(who);
            all[n + j] = ReadingWords.pack(who, p.supplier, 0, 0);
        }
    }

    /// @dev Each unmetered participant billed with a meter page lies in that page's address range (after the previous
    ///      page's last reading; before this page's last unless it is the interval's last page), ascending, and is none
    ///      of the page's readings: as readings ascend across pages, no household is then billed twice.
    function requireUnmeteredInPage(
        IntervalState storage st,
        uint32 interval,
        uint16 meterPage,
        bool lastPage,
        BillingInput calldata input
    ) private view {
        ReadingWord[] calldata readings = input.readings;
        address[] calldata unmetered = input.unmetered;
        if (unmetered.length == 0) return;
        uint160 previous = meterPage == 0 ? 0 : uint160(st.meterPageLast[meterPage - 1]);
        uint160 high = lastPage ? type(uint160).max : uint160(st.meterPageLast[meterPage]);
        uint256 k;
        for (uint256 j = 0; j < unmetered.length; ++j) {
            uint160 who = uint160(unmetered[j]);
            if (who <= previous || who >= high) revert E.BillingUnmeteredOutOfRange(interval, unmetered[j]);
            while (k < readings.length && uint160(readings[k].participant()) < who) ++k;
            if (k < readings.length && uint160(readings[k].participant()) == who) {
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
        IntervalState storage st,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        MarketSettlement.Context calldata ctx,
        BillingInput calldata input
    ) external {
        uint32 interval = ctx.interval;
        requireCommittedReadings(st, interval, 0, input.readings);
        (Interval storage iv, BillingState storage bs) = (st.info, st.billing);
        if (iv.phase != Phase.Metered) revert E.IntervalWrongPhase(interval, iv.phase);
        if (bs.meterPages != 1) revert E.BillingNeedsPages(interval, bs.meterPages);
        uint64 matched = st.clearing.matchedWh;
        addFills(st, interval, Side.Sell, input.sellPages, matched);
        addFills(st, interval, Side.Buy, input.buyPages, matched);
        uint256 metered = input.readings.length;
        ReadingWord[] memory readings = withUnmetered(ledger.participants, interval, input.readings, input.unmetered);
        Totals memory sums;
        sums.settlement = MarketSettlement.newTotals(ctx.supplierCount);
        sums.dayStart = MarketMath.isDayStart(interval, ctx.dayStartSlot);
        // one tariff read per supplier, not per participant
        Tariff[] memory tariffOf = new Tariff[](ctx.supplierCount);
        uint256 loaded;
        bytes memory packed = new bytes(readings.length * 32);
        for (uint256 i = 0; i < readings.length; ++i) {
            ReadingWord r = readings[i];
            uint8 supplier = r.supplier();
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
        MarketSettlement.creditFees(ledger, interval, ctx.platform, ctx.taxCollector, ctx.networkOperator, totals);
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
        ReadingWord r,
        Tariff memory t,
        Totals memory sums,
        bool unmetered
    ) private returns (BillWord) {
        address participant = r.participant();
        (uint64 sold, uint64 bought, uint64 released, bool found) = takeFills(participant, t);
        // an unmetered participant is billed for their bids: none left means a duplicate, or a metered household
        if (unmetered && !found) revert E.BillingUnmeteredWithoutBids(ctx.interval, participant);
        (uint32 gridImportWh, uint32 gridExportWh) = MarketMath.gridResidual(r.importWh(), r.exportWh(), bought, sold);
        MarketSettlement.settleBill(
            ledger,
            ctx.interval,
            participant,
            r.supplier(),
            bought,
            bought * ctx.price,
            sold * ctx.price,
            gridImportWh,
            gridExportWh,
            released,
            t,
            sums.dayStart,
            sums.settlement
        );
        sums.sold += sold;
        sums.bought += bought;
        sums.released += released;
        return BillWords.pack(participant, SafeCast.toUint32(bought), SafeCast.toUint32(sold), gridImportWh, gridExportWh);
    }

    /// @dev The top bit of the sold field of a participant's transient word: set by any of their sell entries.
    uint256 private constant SELL_MARK = 1 << 63;
    /// @dev Where the participants' transient words live: a mapping from participant at this ERC-7201 slot
    ///      (SlotDerivation.erc7201Slot("kiezstrom.MarketBilling.fills")), clear of every other transient slot.
    bytes32 internal constant FILLS_SLOT = 0xf878842ddffd6c72aa311f57e19064f1205befddddaf726597a54553e9752800;

    /// @dev The transient slot of `participant`'s word.
    function fillsOf(address participant) private pure returns (TransientSlot.Uint256Slot) {
        return SlotDerivation.deriveMapping(FILLS_SLOT, participant).asUint256();
    }

    /// @dev Adds each committed entry's fill (and, for buys, its Wh and Wh × price for the lock) to its
    ///      participant's transient word: sold | bought << 64 | buyWh << 128 | buyWhPrice << 192. Pages are
    ///      checked against their committed digests and must be consecutive, so no entry counts twice.
    function addFills(
        IntervalState storage st,
        uint32 interval,
        Side side,
        OrderPage[] calldata pages,
        uint64 matched
    ) private {
        uint256 next = pages.length == 0 ? 0 : pages[0].startPos;
        for (uint256 p = 0; p < pages.length; ++p) {
            OrderPage calldata pg = pages[p];
            OrderPages.requireCommittedPage(st, interval, side, pg, next);
            uint256 cum = pg.cumStartWh;
            OrderEntry[] calldata entries = pg.entries;
            next += entries.length;
            for (uint256 i = 0; i < entries.length; ++i) {
                OrderEntry e = entries[i];
                uint256 wh = e.wh();
                uint256 filled = MarketMath.fill(matched, uint64(cum), uint24(wh));
                cum += wh;
                uint256 delta = side == Side.Sell ? filled : (filled << 64) | (wh << 128) | ((wh * e.price()) << 192);
                // a sell entry marks its participant's word even unfilled, so that an unmetered seller is found
                uint256 mark = side == Side.Sell ? SELL_MARK : 0;
                TransientSlot.Uint256Slot word = fillsOf(e.participant());
                // Cannot overflow a field: fills sum to at most `matched` (at most 1,024 bids of under 2^24 Wh, below
                // 2^34, so never reaching SELL_MARK), and a participant's buy Wh and Wh × price sum to at most the
                // interval's lockUnits, a uint64 checked as each bid was locked.
                unchecked {
                    word.tstore((word.tload() + delta) | mark);
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
        TransientSlot.Uint256Slot word = fillsOf(participant);
        uint256 w = word.tload();
        word.tstore(0);
        found = w != 0;
        sold = uint64(w & (SELL_MARK - 1));
        bought = uint64(w >> 64);
        // at most this participant's share of the interval's lockUnits (a uint64), by the same argument
        released = SafeCast.toUint64(uint256(uint64(w >> 192)) + uint256(uint64(w >> 128)) * MarketMath.lemCharges(t));
    }

    /// @dev Writes word `i` of a packed bytes array.
    function storeWord(bytes memory packed, uint256 i, BillWord word) private pure {
        assembly ("memory-safe") {
            mstore(add(add(packed, 32), mul(i, 32)), word)
        }
    }

    /// @dev One participant's bill from their reading and bid positions.
    function billOf(
        uint32 interval,
        ReadingWord r,
        BidRefs calldata ref,
        OrderPages.Flat memory sells,
        OrderPages.Flat memory buys,
        uint64 matched,
        Tariff memory t
    ) internal pure returns (Bill memory b) {
        address participant = r.participant();
        (uint64 sold,) = sumFills(interval, Side.Sell, participant, ref.sellPositions, sells, matched, t);
        (uint64 bought, uint64 released) = sumFills(interval, Side.Buy, participant, ref.buyPositions, buys, matched, t);
        (uint32 gridImportWh, uint32 gridExportWh) = MarketMath.gridResidual(r.importWh(), r.exportWh(), bought, sold);
        b = Bill(
            participant, r.supplier(), SafeCast.toUint32(bought), SafeCast.toUint32(sold), gridImportWh, gridExportWh, released
        );
    }

    /// @dev Sums a participant's fills on one side from their bid positions; for buys also the locks released.
    function sumFills(
        uint32 interval,
        Side side,
        address participant,
        uint32[] calldata positions,
        OrderPages.Flat memory order,
        uint64 matched,
        Tariff memory t
    ) internal pure returns (uint64 filled, uint64 released) {
        for (uint256 j = 0; j < positions.length; ++j) {
            uint32 pos = positions[j];
            if (j != 0 && pos <= positions[j - 1]) revert E.BillingPositionsNotIncreasing(side, positions[j - 1], pos);
            (OrderEntry e, uint64 cumBefore) = OrderPages.entryAt(order, side, pos);
            if (e.participant() != participant) {
                revert E.BillingWrongParticipant(interval, side, pos, participant, e.participant());
            }
            filled += MarketMath.fill(matched, cumBefore, e.wh());
            if (side == Side.Buy) released += MarketMath.buyLockUnits(t, e.wh(), e.price());
        }
    }
}
