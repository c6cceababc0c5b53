// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {Ledger} from "./Ledger.sol";
import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarketSettlement} from "./MarketSettlement.sol";
import {
    DayBillWord,
    DayBillWords,
    DayClearingWord,
    DayClearingWords,
    DayMemberWord,
    DayPartyWord,
    DayPartyWords
} from "./DayWords.sol";
import {DayBook, DayPage, DayState, DayVerification} from "./DayTypes.sol";
import {DayPhase, Side, Tariff} from "./MarketTypes.sol";

/// @title MarketDays
/// @notice Day mode of KiezMarket, run on the market's storage by delegatecall: standing orders, days, their readings,
///         and the one pass that verifies a day's clearing and settles it.
/// @dev A day is the 96 intervals from `day × 96 + dayStartSlot`. In every interval the members' metered net positions
///      are the orders: an export is a sell at the member's floor, an import a buy at its cap. They are cleared by the
///      same uniform-price double auction as interval mode (sells ascending by price, buys descending, ties by member
///      index; the greedy merge; the price the midpoint of the marginal pair, MarketMath), and billed by the same
///      settlement (MarketSettlement.settleBill), once per member and day.
///
///      The caller computes each interval's marginal pair and cumulative Wh (DayClearingWord); `settleDay` verifies all
///      96 intervals in one pass over the members, O(members × 96), with no sorting: a member's place in an interval's
///      order is its key (price, member index) compared with the marginal member's key.
///
/// Promises (test/contracts/day-mode.test.ts):
///  - a day settles once, after every earlier opened day is settled or void, and only with the clearing the
///    contract verified: every interval's claimed marginal pair is the one the greedy merge stops at.
///  - no sell fills below its floor, no buy above its cap; P2P Wh sold = Wh bought in every interval; the P2P money
///    paid in equals the money paid out.
///  - a value accepted earlier never makes a later step revert: readings are bounded when posted (15 bits, the
///    registered limits), an order outside a day's tariff bounds only keeps that member from trading P2P that day,
///    what a member cannot pay is recorded as owed to its supplier.
library MarketDays {
    /// @dev MarketMath.INTERVALS_PER_DAY: the slots of a day.
    uint256 internal constant SLOTS = 96;
    /// @notice Bytes of one member's readings in a meter page: 96 readings of two bytes.
    uint256 internal constant MEMBER_BYTES = 192;
    /// @notice The most members one meter page carries: a whole day of the most members (38 KB of readings).
    uint256 internal constant MAX_DAY_PAGE = 200;
    /// @notice The most members a day verified and settled in one transaction (settleDay, postAndSettleDay) may have: a
    ///         day of this many members with every reading non-zero and traded, every member recording a debt on a
    ///         first, never-written account, posts and settles in 15.2 million gas, under the 16,777,216 cap
    ///         (test/contracts/day-mode.test.ts). Larger days are verified and settled in pages.
    uint32 internal constant MAX_ONE_TRANSACTION_MEMBERS = 200;
    /// @notice The most members a day-mode community takes; its days are verified and settled in pages
    ///         (verifyDayPages, settleDayPages), each transaction under the gas cap (npm run bench:gas -- --day-scale).
    uint32 internal constant MAX_MEMBERS = 10_000;
    /// @notice The most Wh one reading carries (15 bits): a day-mode registration's limits are at most this.
    uint24 internal constant MAX_READING_WH = 0x7fff;
    /// @notice How long after its end a day not yet settled may be voided by anyone.
    uint256 internal constant DAY_VOID_AFTER = 1 days;
    uint256 private constant EXPORT_FLAG = 0x8000;

    /// @dev What the market hands in to place days on its tariff epochs and calendar.
    struct Clock {
        uint16 latestEpoch;
        uint40 latestEpochStartsAt;
        uint8 dayStartSlot;
    }

    /// @dev Where a settled day's fees go, and how many suppliers to load.
    struct Payees {
        address platform;
        address taxCollector;
        address networkOperator;
        uint8 supplierCount;
    }

    // ============================================================================================ orders

    /// @notice Sets `account`'s standing order (KiezMarket.setStandingOrder), checked against the tariff of the next day
    ///         to open. It applies from that day; days already opened keep the order they opened with.
    function setStandingOrder(
        DayBook storage book,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        address account,
        uint24 floor,
        uint24 cap
    ) external {
        uint32 plusOne = book.memberOf[account];
        if (plusOne == 0) revert E.DayNotMember(account);
        uint32 member = plusOne - 1;
        uint32 since = book.lastOpened + 1;
        DayMemberWord current = book.members[member];
        checkOrder(account, current, tariffs[current.supplier()][epochOf(clock, since)], floor, cap);
        if (current.sinceDay() <= book.lastOpened) {
            // the current order applies to an opened day: it becomes the order of the days before `since`, which must
            // leave no day still needing the one before it
            uint32 unsettled = book.nextToSettle;
            if (unsettled != 0 && unsettled < current.sinceDay()) revert E.DayOrderChangePending(account, unsettled);
            book.orderBefore[member] = current;
        }
        book.members[member] = current.withOrder(floor, cap, since);
        emit Ev.StandingOrderSet(account, member, floor, cap, since);
    }

    /// @dev The bounds of interval mode's bids (MarketRelay.checkLimits) for a standing order; zero is no order.
    function checkOrder(address account, DayMemberWord w, Tariff memory t, uint24 floor, uint24 cap) private pure {
        if (floor != 0) {
            if (!w.metered()) revert E.BidSellerNotMetered(account);
            if (!floorAllowed(floor, t)) revert E.BidAskOutOfRange(floor, t.feedInTariff, t.energyPrice);
        }
        if (cap != 0) {
            if (cap >= t.energyPrice) revert E.BidPriceNotBelowEnergyPrice(cap, t.energyPrice);
            uint256 total = uint256(cap) + MarketMath.lemCharges(t);
            if (!capAllowed(cap, t)) revert E.BidTotalNotBelowTimeOfUse(cap, total, MarketMath.timeOfUse(t));
        }
    }

    /// @notice FiT < floor < EP.
    function floorAllowed(uint256 floor, Tariff memory t) internal pure returns (bool) {
        return floor > t.feedInTariff && floor < t.energyPrice;
    }

    /// @notice cap < EP and cap + LEM charges < ToU.
    function capAllowed(uint256 cap, Tariff memory t) internal pure returns (bool) {
        return cap < t.energyPrice && cap + MarketMath.lemCharges(t) < MarketMath.timeOfUse(t);
    }

    // ============================================================================================== days

    /// @notice Opens `count` consecutive days from `first` (KiezMarket.openDays), each before it starts and after the
    ///         last one opened; the roster as it stands trades in them, at the tariff epoch in force at each day's start.
    function openDays(DayBook storage book, Clock memory clock, uint32 first, uint32 count) external {
        uint32 last = book.lastOpened;
        for (uint32 day = first; day < first + count; ++day) {
            if (day <= last) revert E.DayNotAfterLastOpened(day, last);
            // a standing order names its first day in 16 bits (DayMemberWord)
            if (day > type(uint16).max) revert E.DayOutOfRange(day, type(uint16).max);
            uint256 startsAt = startOf(clock.dayStartSlot, day);
            if (startsAt <= block.timestamp) revert E.DayStartInPast(day, startsAt, block.timestamp);
            DayState storage ds = book.dayStates[day];
            uint16 epoch = epochOf(clock, day);
            uint32 members = book.memberCount;
            ds.phase = DayPhase.Open;
            ds.tariffEpoch = epoch;
            ds.members = members;
            if (last != 0) book.dayStates[last].next = day;
            if (book.nextToSettle == 0) book.nextToSettle = day;
            last = day;
            emit Ev.DayOpened(day, epoch, members);
        }
        book.lastOpened = last;
    }

    /// @notice Commits the next page of a day's readings once the day has ended (KiezMarket.postDayReadings): for each
    ///         member from the last page's end, 96 readings of two big-endian bytes, top bit export, low 15 bits Wh,
    ///         each within the member's registered limits. The page commits each member with its supplier and the
    ///         order in force that day (DayPartyWord), so settlement reads no registration.
    function postReadings(DayBook storage book, uint8 dayStartSlot, uint32 day, bytes calldata readings) external {
        commitPage(book, dayStartSlot, day, readings);
    }

    /// @dev Commits a page of readings (postReadings); returns its members as committed.
    function commitPage(DayBook storage book, uint8 dayStartSlot, uint32 day, bytes calldata readings)
        private
        returns (DayPartyWord[] memory parties)
    {
        DayState storage ds = book.dayStates[day];
        if (ds.phase != DayPhase.Open && ds.phase != DayPhase.Metering) revert E.DayWrongPhase(day, ds.phase);
        uint256 endsAt = endOf(dayStartSlot, day);
        if (block.timestamp < endsAt) revert E.DayNotEnded(day, endsAt, block.timestamp);
        uint32 first = ds.readMembers;
        uint256 left = ds.members - first;
        uint256 count = readings.length / MEMBER_BYTES;
        if (count == 0 || count * MEMBER_BYTES != readings.length || count > MAX_DAY_PAGE || count > left) {
            revert E.DayPageSize(readings.length, MAX_DAY_PAGE, left);
        }
        parties = new DayPartyWord[](count);
        for (uint256 j = 0; j < count; ++j) {
            (DayPartyWord party, DayMemberWord w) = partyOf(book, day, first + uint32(j));
            checkReadings(party.account(), readings, j * MEMBER_BYTES, w.importLimitWh(), w.exportLimitWh());
            parties[j] = party;
        }
        uint16 page = ds.meterPages++;
        ds.meterPageDigest[page] = pageDigest(day, page, first, parties, readings);
        uint32 read = first + uint32(count);
        ds.readMembers = read;
        emit Ev.DayReadingsPosted(day, page, first, parties, readings);
        if (read == ds.members) {
            ds.phase = DayPhase.Metered;
            emit Ev.DayMetered(day, page + 1);
        } else {
            ds.phase = DayPhase.Metering;
        }
    }

    /// @notice A member as a page of `day` commits it: its account, its supplier, and the order in force that day (the
    ///         floor zero unless its metering point is confirmed); with its roster word.
    function partyOf(DayBook storage book, uint32 day, uint32 member)
        internal
        view
        returns (DayPartyWord party, DayMemberWord w)
    {
        w = book.members[member];
        DayMemberWord order = day < w.sinceDay() ? book.orderBefore[member] : w;
        // only a member with a confirmed metering point sells
        uint24 floor = w.metered() ? order.floor() : 0;
        party = DayPartyWords.pack(w.account(), w.supplier(), floor, order.cap());
    }

    /// @dev Sixteen readings (one calldata word) as lanes of 16 bits: the export flags, the Wh, and 1 in every lane.
    uint256 private constant LANE_FLAGS = 0x8000800080008000800080008000800080008000800080008000800080008000;
    uint256 private constant LANE_WH = 0x7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff7fff;
    uint256 private constant LANE_ONES = 0x0001000100010001000100010001000100010001000100010001000100010001;

    /// @dev Every reading of one member within its limits: an export within the export limit, an import within the
    ///      import limit (a consumer's export limit is zero). Checked sixteen readings at a time: each lane's limit is
    ///      chosen by its flag, and (limit + 2^15) − Wh keeps the lane's top bit exactly when Wh ≤ limit (a lane never
    ///      borrows from the next: both are below 2^15). The slow path names the first reading above its limit.
    function checkReadings(address account, bytes calldata readings, uint256 offset, uint24 importLimit, uint24 exportLimit)
        private
        pure
    {
        uint256 imports = LANE_ONES * importLimit;
        uint256 toggle = imports ^ (LANE_ONES * exportLimit);
        bool within = true;
        for (uint256 w = 0; w < MEMBER_BYTES; w += 32) {
            uint256 word;
            assembly ("memory-safe") {
                word := calldataload(add(readings.offset, add(offset, w)))
            }
            // lanes of 0x7fff where the reading is an export, 0 where an import
            uint256 exports = ((word & LANE_FLAGS) >> 15) * 0x7fff;
            uint256 limits = imports ^ (toggle & exports);
            within = within && ((limits | LANE_FLAGS) - (word & LANE_WH)) & LANE_FLAGS == LANE_FLAGS;
        }
        if (within) return;
        for (uint256 t = 0; t < SLOTS; ++t) {
            uint256 r = readingAt(readings, offset + 2 * t);
            uint256 wh = r & MAX_READING_WH;
            uint24 limit = (r & EXPORT_FLAG) == 0 ? importLimit : exportLimit;
            if (wh > limit) revert E.DayReadingAboveLimit(account, t, wh, limit);
        }
    }

    /// @dev The two bytes at `offset` of `readings`, big-endian.
    function readingAt(bytes calldata readings, uint256 offset) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := shr(240, calldataload(add(readings.offset, offset)))
        }
    }

    function pageDigest(uint32 day, uint16 page, uint32 first, DayPartyWord[] memory parties, bytes calldata readings)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(day, page, first, parties, readings));
    }

    /// @notice Voids the next day to settle if it is not settled DAY_VOID_AFTER after its end (KiezMarket.voidDay):
    ///         none of its money moves, and the days after it can settle. Anyone may call.
    function voidDay(DayBook storage book, uint8 dayStartSlot, uint32 day) external {
        DayState storage ds = book.dayStates[day];
        DayPhase phase = ds.phase;
        // a day whose settlement has begun is finished, not voided: its remaining pages settle with public data
        if (phase == DayPhase.None || phase >= DayPhase.Settling) revert E.DayWrongPhase(day, phase);
        if (book.nextToSettle != day) revert E.DayNotNextToSettle(day, book.nextToSettle);
        uint256 due = endOf(dayStartSlot, day) + DAY_VOID_AFTER;
        if (block.timestamp < due) revert E.DayVoidNotDue(day, due, block.timestamp);
        closeDay(book, ds, DayPhase.Void);
        emit Ev.DayVoided(day);
    }

    // ======================================================================================== settlement

    /// @dev Each slot's claim, decoded once, and what the pass over the members finds, one word per slot and side:
    ///
    /// ```
    ///  claim:  bits 0-47 the marginal member's key (0: nothing matched, every order lies after it) | 48-71 the price
    ///          | 72-103 the marginal member's fill
    ///  seen:   bits 0-63 the Wh before the marginal member | 64-95 the marginal member's Wh (0: not seen)
    ///          | 96-127 the best price after it (sells: the lowest, from 2^32 − 1; buys: the highest, from 0)
    /// ```
    ///
    /// The four runs of 96 words follow each other in one array: a side's seen word lies SEEN words after its claim.
    uint256 private constant BUY = 96;
    uint256 private constant SEEN = 192;
    uint256 private constant PASS_WORDS = 384;

    uint256 private constant KEY_MASK = (1 << 48) - 1;
    uint256 private constant NO_FLOOR = type(uint24).max;
    uint256 private constant NO_ASK_SEEN = uint256(type(uint32).max) << 96;

    /// @dev One member's day.
    struct Tally {
        uint256 bought;
        uint256 sold;
        uint256 boughtUnits;
        uint256 soldUnits;
        uint256 importWh;
        uint256 exportWh;
    }

    /// @dev What a day's settlement carries from member to member: the claims and what the pass found, the day's
    ///      tariffs, the money totals and the bills.
    struct Run {
        uint256[PASS_WORDS] pass;
        Tariff[] tariffOf;
        uint32 firstInterval;
        uint256 member;
        /// the member of the first bill in `bills`
        uint256 billsFrom;
        MarketSettlement.PageTotals totals;
        bytes bills;
    }

    /// @notice Settles a metered day (KiezMarket.settleDay) with `clearing`, its 96 intervals' marginal pairs, given its
    ///         meter pages from `firstPage`: every page at once in one pass (a day of at most
    ///         MAX_ONE_TRANSACTION_MEMBERS members), or in steps of consecutive pages, first verified (verifyPages), then
    ///         settled (settlePages). Anyone may call; only verifying waits while the market is paused.
    function settleDay(
        DayBook storage book,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        Payees memory payees,
        bool paused,
        uint32 day,
        uint16 firstPage,
        DayPage[] calldata pages,
        DayClearingWord[] calldata clearing
    ) external {
        DayState storage ds = book.dayStates[day];
        DayPhase phase = ds.phase;
        if (phase == DayPhase.Verified || phase == DayPhase.Settling) {
            settlePages(book, ds, ledger, tariffs, clock, payees, day, firstPage, pages, clearing);
            return;
        }
        if (paused) revert Pausable.EnforcedPause();
        if (firstPage == 0 && pages.length == ds.meterPages && ds.members <= MAX_ONE_TRANSACTION_MEMBERS) {
            settleWhole(book, ds, ledger, tariffs, clock, payees, day, pages, clearing);
        } else {
            verifyPages(book, ds, tariffs, clock, payees.supplierCount, day, firstPage, pages, clearing);
        }
    }

    /// @dev Verifies and settles a whole metered day in one pass: `pages` are all its committed meter pages. Each
    ///      member's fills follow from its key and the claims; the claims are then checked against what the pass found,
    ///      interval by interval, and only then can the transaction commit.
    function settleWhole(
        DayBook storage book,
        DayState storage ds,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        Payees memory payees,
        uint32 day,
        DayPage[] calldata pages,
        DayClearingWord[] calldata clearing
    ) private {
        requireSettleable(book, ds, clock.dayStartSlot, day);
        Run memory run = begin(ds, tariffs, clock, payees, day, clearing, ds.members);
        for (uint256 p = 0; p < pages.length; ++p) {
            settleMembers(ledger, run, checkedPage(ds, day, p, run.member, pages[p]), pages[p].readings);
        }
        finish(book, ds, ledger, payees, day, run, clearing);
    }

    /// @notice Posts a whole day's readings and settles the day in one transaction (KiezMarket.postAndSettleDay): the
    ///         meter's one page, as `postReadings` commits it, then `settleDay`'s verification and settlement (cheaper
    ///         than both: the readings travel once, and no page is read back).
    function postAndSettleDay(
        DayBook storage book,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        Payees memory payees,
        uint32 day,
        bytes calldata readings,
        DayClearingWord[] calldata clearing
    ) external {
        DayState storage ds = book.dayStates[day];
        if (ds.readMembers != 0) revert E.DayWrongPhase(day, ds.phase);
        DayPartyWord[] memory parties = commitPage(book, clock.dayStartSlot, day, readings);
        requireSettleable(book, ds, clock.dayStartSlot, day);
        Run memory run = begin(ds, tariffs, clock, payees, day, clearing, ds.members);
        settleMembers(ledger, run, parties, readings);
        finish(book, ds, ledger, payees, day, run, clearing);
    }

    function begin(
        DayState storage ds,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        Payees memory payees,
        uint32 day,
        DayClearingWord[] calldata clearing,
        uint256 billCount
    ) private view returns (Run memory run) {
        if (clearing.length != SLOTS) revert E.DayClearingLength(clearing.length);
        run.pass = decode(clearing);
        run.tariffOf = tariffsOf(ds, tariffs, payees.supplierCount);
        run.firstInterval = uint32(uint256(day) * SLOTS + clock.dayStartSlot);
        run.totals = MarketSettlement.newTotals(payees.supplierCount);
        run.bills = new bytes(billCount * 32);
    }

    /// @dev Each supplier's tariff at the epoch the day opened with.
    function tariffsOf(DayState storage ds, mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs, uint8 suppliers)
        private
        view
        returns (Tariff[] memory tariffOf)
    {
        tariffOf = new Tariff[](suppliers);
        for (uint8 s = 0; s < suppliers; ++s) {
            tariffOf[s] = tariffs[s][ds.tariffEpoch];
        }
    }

    /// @dev Tallies and settles the members of one page, each into one ledger movement (MarketSettlement.settleBill,
    ///      as interval mode settles a bill: the daily charge once, no lock).
    function settleMembers(Ledger storage ledger, Run memory run, DayPartyWord[] memory parties, bytes calldata readings)
        private
    {
        for (uint256 j = 0; j < parties.length; ++j) {
            DayPartyWord party = parties[j];
            Tariff memory t = run.tariffOf[party.supplier()];
            Tally memory tally = tallyMember(run.pass, readings, j * MEMBER_BYTES, run.member, party, t);
            uint256 gridImport = tally.importWh - tally.bought;
            uint256 gridExport = tally.exportWh - tally.sold;
            MarketSettlement.settleBill(
                ledger,
                run.firstInterval,
                party.account(),
                party.supplier(),
                tally.bought,
                tally.boughtUnits,
                tally.soldUnits,
                gridImport,
                gridExport,
                0,
                t,
                true,
                run.totals
            );
            storeBill(run.bills, run.member - run.billsFrom, tally, gridImport, gridExport);
            ++run.member;
        }
    }

    /// @dev Checks every claim, the P2P pool, credits the fees, and closes the day.
    function finish(
        DayBook storage book,
        DayState storage ds,
        Ledger storage ledger,
        Payees memory payees,
        uint32 day,
        Run memory run,
        DayClearingWord[] calldata clearing
    ) private {
        verify(run.pass, clearing);
        MarketSettlement.PageTotals memory totals = run.totals;
        if (totals.poolIn != totals.poolOut) revert E.SettlementPoolUnbalanced(run.firstInterval, totals.poolIn, totals.poolOut);
        MarketSettlement.creditFees(
            ledger, run.firstInterval, payees.platform, payees.taxCollector, payees.networkOperator, totals
        );
        closeDay(book, ds, DayPhase.Settled);
        emit Ev.DaySettled(day, clearing, run.bills, totals.poolIn);
    }

    // ================================================================================= settlement in pages

    /// @dev Verifies consecutive meter pages of a metered day against a claimed `clearing`, for a day verified in steps.
    ///      The pass over the members is the one settleWhole makes; what it has seen is kept between transactions under
    ///      the claim's hash, so that claims never share a run. With the day's last page the claim is checked interval
    ///      by interval; if it holds it is the day's clearing, and its pages settle with it (settlePages).
    function verifyPages(
        DayBook storage book,
        DayState storage ds,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        uint8 supplierCount,
        uint32 day,
        uint16 firstPage,
        DayPage[] calldata pages,
        DayClearingWord[] calldata clearing
    ) private {
        requireSettleable(book, ds, clock.dayStartSlot, day);
        if (clearing.length != SLOTS) revert E.DayClearingLength(clearing.length);
        bytes32 claim = keccak256(abi.encode(clearing));
        DayVerification storage v = ds.verifications[claim];
        uint16 done = requirePagesInOrder(ds, day, firstPage, v.pages, pages.length);
        uint256[PASS_WORDS] memory pass = decode(clearing);
        if (firstPage != 0) {
            for (uint256 i = 0; i < 2 * SLOTS; ++i) {
                pass[SEEN + i] = v.seen[i];
            }
        }
        Tariff[] memory tariffOf = tariffsOf(ds, tariffs, supplierCount);
        uint256 member = v.nextMember;
        for (uint256 p = 0; p < pages.length; ++p) {
            DayPartyWord[] memory parties = checkedPage(ds, day, firstPage + p, member, pages[p]);
            bytes calldata readings = pages[p].readings;
            for (uint256 j = 0; j < parties.length; ++j) {
                DayPartyWord party = parties[j];
                tallyMember(pass, readings, j * MEMBER_BYTES, member++, party, tariffOf[party.supplier()]);
            }
        }
        if (done < ds.meterPages) {
            for (uint256 i = 0; i < 2 * SLOTS; ++i) {
                v.seen[i] = pass[SEEN + i];
            }
            v.pages = done;
            v.nextMember = uint32(member);
            return;
        }
        verify(pass, clearing);
        ds.verifiedClearing = claim;
        ds.phase = DayPhase.Verified;
        emit Ev.DayVerified(day, clearing);
    }

    /// @dev Settles consecutive meter pages of a verified day with the clearing its verification accepted: each member's
    ///      day into one ledger movement, as settleWhole does, the fees credited page by page. With the day's last page
    ///      the day is settled. Nothing but the pages' own data is needed, so a day whose settlement has begun can
    ///      always be finished.
    function settlePages(
        DayBook storage book,
        DayState storage ds,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Clock memory clock,
        Payees memory payees,
        uint32 day,
        uint16 firstPage,
        DayPage[] calldata pages,
        DayClearingWord[] calldata clearing
    ) private {
        if (clearing.length != SLOTS || keccak256(abi.encode(clearing)) != ds.verifiedClearing) {
            revert E.DayClearingNotVerified(day);
        }
        uint16 done = requirePagesInOrder(ds, day, firstPage, ds.settledPages, pages.length);
        uint256 count;
        for (uint256 p = 0; p < pages.length; ++p) {
            count += pages[p].parties.length;
        }
        Run memory run = begin(ds, tariffs, clock, payees, day, clearing, count);
        run.member = ds.settledMembers;
        run.billsFrom = run.member;
        for (uint256 p = 0; p < pages.length; ++p) {
            settleMembers(ledger, run, checkedPage(ds, day, firstPage + p, run.member, pages[p]), pages[p].readings);
        }
        MarketSettlement.PageTotals memory totals = run.totals;
        MarketSettlement.creditFees(
            ledger, run.firstInterval, payees.platform, payees.taxCollector, payees.networkOperator, totals
        );
        uint128 poolIn = ds.poolIn + uint128(totals.poolIn);
        uint128 poolOut = ds.poolOut + uint128(totals.poolOut);
        (ds.poolIn, ds.poolOut) = (poolIn, poolOut);
        ds.settledPages = done;
        ds.settledMembers = uint32(run.member);
        bool settled = done == ds.meterPages;
        if (settled) {
            // the verified clearing balances every interval: sells and buys fill the same Wh at one price
            if (poolIn != poolOut) revert E.SettlementPoolUnbalanced(run.firstInterval, poolIn, poolOut);
            closeDay(book, ds, DayPhase.Settled);
        } else {
            ds.phase = DayPhase.Settling;
        }
        emit Ev.DayPagesSettled(day, uint32(run.billsFrom), run.bills, settled);
    }

    /// @dev Ends a day, Settled or Void: the days after it may settle.
    function closeDay(DayBook storage book, DayState storage ds, DayPhase phase) private {
        ds.phase = phase;
        book.nextToSettle = ds.next;
    }

    /// @dev The next pages of a paged step: `firstPage` is the next expected, and none lies beyond the day's last.
    function requirePagesInOrder(DayState storage ds, uint32 day, uint16 firstPage, uint16 expected, uint256 count)
        private
        view
        returns (uint16 done)
    {
        if (count == 0) revert E.DayPagesIncomplete(day, 0, ds.meterPages);
        if (firstPage != expected || firstPage + count > ds.meterPages) revert E.DayPageOutOfOrder(day, firstPage, expected);
        return uint16(firstPage + count);
    }

    /// @dev A meter page handed back, checked against its commitment; its members.
    function checkedPage(DayState storage ds, uint32 day, uint256 page, uint256 first, DayPage calldata pg)
        private
        view
        returns (DayPartyWord[] memory parties)
    {
        parties = pg.parties;
        if (pageDigest(day, uint16(page), uint32(first), parties, pg.readings) != ds.meterPageDigest[uint16(page)]) {
            revert E.DayPageMismatch(day, uint16(page));
        }
    }

    /// @dev A day that may be verified: metered, ended, and the next to settle.
    function requireSettleable(DayBook storage book, DayState storage ds, uint8 dayStartSlot, uint32 day) private view {
        DayPhase phase = ds.phase;
        // a day with no members is metered as soon as it has ended
        bool metered = phase == DayPhase.Metered || (phase == DayPhase.Open && ds.members == 0);
        if (!metered) revert E.DayWrongPhase(day, phase);
        uint256 endsAt = endOf(dayStartSlot, day);
        if (block.timestamp < endsAt) revert E.DayNotEnded(day, endsAt, block.timestamp);
        if (book.nextToSettle != day) revert E.DayNotNextToSettle(day, book.nextToSettle);
    }

    /// @dev Decodes the claims, refusing any the pass could not use: a trade needs both members, ask ≤ bid, and the Wh
    ///      matched beyond the Wh before each marginal member (so each marginal member fills something).
    function decode(DayClearingWord[] calldata clearing) private pure returns (uint256[PASS_WORDS] memory pass) {
        for (uint256 t = 0; t < SLOTS; ++t) {
            DayClearingWord c = clearing[t];
            pass[SEEN + t] = NO_ASK_SEEN;
            if (c.seller() == DayClearingWords.NO_MEMBER) {
                if (DayClearingWord.unwrap(c) != DayClearingWord.unwrap(DayClearingWords.noTrade())) {
                    revert E.DayClearingMalformed(t);
                }
                continue;
            }
            if (c.buyer() == DayClearingWords.NO_MEMBER) revert E.DayClearingMalformed(t);
            if (c.ask() > c.bid()) revert E.DayPairNotMatched(t, c.ask(), c.bid());
            uint256 matched = c.matchedWh();
            if (matched <= c.sellBeforeWh() || matched <= c.buyBeforeWh()) revert E.DayClearingMalformed(t);
            uint256 price = MarketMath.midpoint(c.ask(), c.bid());
            pass[t] = sellKey(c.ask(), c.seller()) | (price << 48) | ((matched - c.sellBeforeWh()) << 72);
            pass[BUY + t] = buyKey(c.bid(), c.buyer()) | (price << 48) | ((matched - c.buyBeforeWh()) << 72);
        }
    }

    /// @dev A sell's place in an interval's order: ascending by price, then by member index (always above zero: every
    ///      allowed floor is).
    function sellKey(uint256 floor, uint256 member) private pure returns (uint256) {
        return (floor << 24) | member;
    }

    /// @dev A buy's place: descending by price, then by member index (above zero: every price is below 2^24 − 1).
    function buyKey(uint256 cap, uint256 member) private pure returns (uint256) {
        return ((uint256(type(uint24).max) - cap) << 24) | member;
    }

    /// @dev One member's 96 readings against the claims: its fills, their value, and its metered Wh; records in `pass`
    ///      what the verification needs (the Wh before each marginal member, the marginal members' Wh, and the best
    ///      price after each marginal member). An order the day's tariff does not allow takes no part (the member
    ///      trades with the grid only).
    function tallyMember(
        uint256[PASS_WORDS] memory pass,
        bytes calldata readings,
        uint256 offset,
        uint256 member,
        DayPartyWord party,
        Tariff memory t
    ) private pure returns (Tally memory tally) {
        uint256 floor = party.floor();
        uint256 cap = party.cap();
        // The member's keys, the price read back from them. A side it takes no part in gets the last key of its order
        // (price 2^24 − 1 for a sell, 0 for a buy): after every marginal member (claimed prices lie below 2^20), and its
        // best price after one never crosses (every allowed bid is below such an ask, every allowed ask above 0).
        uint256 ownSellKey = sellKey(floor != 0 && floorAllowed(floor, t) ? floor : NO_FLOOR, member);
        uint256 ownBuyKey = buyKey(cap != 0 && capAllowed(cap, t) ? cap : 0, member);
        (uint256 buys, uint256 sells, uint256 metered, uint256 overfilled) =
            tallyReadings(pass, readings, offset, ownSellKey, ownBuyKey);
        if (overfilled != 0) {
            uint256 slot = overfilled - 1;
            uint256 r = readingAt(readings, offset + 2 * slot);
            (Side side, uint256 claim) = (r & EXPORT_FLAG) != 0 ? (Side.Sell, pass[slot]) : (Side.Buy, pass[BUY + slot]);
            revert E.DayMarginalOverfilled(slot, side, uint24(member), claim >> 72, r & MAX_READING_WH);
        }
        tally.bought = uint64(buys);
        tally.boughtUnits = buys >> 64;
        tally.sold = uint64(sells);
        tally.soldUnits = sells >> 64;
        tally.importWh = uint64(metered);
        tally.exportWh = metered >> 64;
    }

    /// @dev The hot loop of day mode (96 readings of every member), in assembly with few live values so that all stay on
    ///      the stack: `p` walks the readings, `q` the slots' sell claims (buy claims lie BUY words on, each seen word
    ///      SEEN words after its claim: 0xc00 and 0x1800 bytes). No bounds checks (96 slots index runs of 96 words), no
    ///      overflow checks (Wh below 2^15, 96 of them, times prices below 2^24). Returns the buys and sells (Wh |
    ///      units << 64), the metered Wh (import | export << 64), and the slot + 1 of a marginal member filled beyond its
    ///      Wh (0: none).
    function tallyReadings(
        uint256[PASS_WORDS] memory pass,
        bytes calldata readings,
        uint256 offset,
        uint256 ownSellKey,
        uint256 ownBuyKey
    ) private pure returns (uint256 buys, uint256 sells, uint256 metered, uint256 overfilled) {
        assembly ("memory-safe") {
            mstore(0x00, 0)
            let p := add(readings.offset, offset)
            let end := add(p, 192)
            for { let q := pass } lt(p, end) {
                p := add(p, 2)
                q := add(q, 0x20)
            } {
                let r := shr(240, calldataload(p))
                let wh := and(r, 0x7fff)
                if iszero(wh) { continue }
                if iszero(and(r, 0x8000)) {
                    metered := add(metered, wh)
                    let claimAt := add(q, 0xc00)
                    let claim := mload(claimAt)
                    let marginal := and(claim, KEY_MASK)
                    if lt(ownBuyKey, marginal) {
                        claimAt := add(claimAt, 0x1800)
                        mstore(claimAt, add(mload(claimAt), wh))
                        buys := add(buys, or(wh, shl(64, mul(wh, and(shr(48, claim), 0xffffff)))))
                        continue
                    }
                    if eq(ownBuyKey, marginal) {
                        let f := shr(72, claim)
                        if gt(f, wh) { mstore(0x00, add(shr(5, sub(q, pass)), 1)) }
                        claimAt := add(claimAt, 0x1800)
                        mstore(claimAt, or(mload(claimAt), shl(64, wh)))
                        buys := add(buys, or(f, shl(64, mul(f, and(shr(48, claim), 0xffffff)))))
                        continue
                    }
                    // a buy after the marginal one: keep the highest cap
                    claimAt := add(claimAt, 0x1800)
                    claim := mload(claimAt)
                    wh := sub(0xffffff, shr(24, ownBuyKey))
                    if gt(wh, shr(96, claim)) { mstore(claimAt, or(and(claim, sub(shl(96, 1), 1)), shl(96, wh))) }
                    continue
                }
                metered := add(metered, shl(64, wh))
                let claimAt := q
                let claim := mload(claimAt)
                let marginal := and(claim, KEY_MASK)
                if lt(ownSellKey, marginal) {
                    claimAt := add(claimAt, 0x1800)
                    mstore(claimAt, add(mload(claimAt), wh))
                    sells := add(sells, or(wh, shl(64, mul(wh, and(shr(48, claim), 0xffffff)))))
                    continue
                }
                if eq(ownSellKey, marginal) {
                    let f := shr(72, claim)
                    if gt(f, wh) { mstore(0x00, add(shr(5, sub(q, pass)), 1)) }
                    claimAt := add(claimAt, 0x1800)
                    mstore(claimAt, or(mload(claimAt), shl(64, wh)))
                    sells := add(sells, or(f, shl(64, mul(f, and(shr(48, claim), 0xffffff)))))
                    continue
                }
                // a sell after the marginal one: keep the lowest floor
                claimAt := add(claimAt, 0x1800)
                claim := mload(claimAt)
                wh := shr(24, ownSellKey)
                if lt(wh, shr(96, claim)) { mstore(claimAt, or(and(claim, sub(shl(96, 1), 1)), shl(96, wh))) }
            }
            overfilled := mload(0x00)
        }
    }

    /// @dev Checks every interval's claim against what the pass found: the marginal pair is where the greedy merge
    ///      of the sorted orders stops (as MarketClearing.verifyMarginalPair checks it in interval mode).
    function verify(uint256[PASS_WORDS] memory pass, DayClearingWord[] calldata clearing) private pure {
        for (uint256 t = 0; t < SLOTS; ++t) {
            DayClearingWord c = clearing[t];
            (uint256 sellBefore, uint256 sellWh, uint256 minAsk) = unpackSeen(pass[SEEN + t]);
            (uint256 buyBefore, uint256 buyWh, uint256 maxBid) = unpackSeen(pass[SEEN + BUY + t]);
            if (c.seller() == DayClearingWords.NO_MEMBER) {
                if (minAsk <= maxBid) revert E.DayStillMatchable(t, minAsk, maxBid);
                continue;
            }
            if (sellWh == 0) revert E.DayMarginalNotFound(t, Side.Sell, c.seller());
            if (buyWh == 0) revert E.DayMarginalNotFound(t, Side.Buy, c.buyer());
            if (sellBefore != c.sellBeforeWh()) revert E.DayBeforeMismatch(t, Side.Sell, c.sellBeforeWh(), sellBefore);
            if (buyBefore != c.buyBeforeWh()) revert E.DayBeforeMismatch(t, Side.Buy, c.buyBeforeWh(), buyBefore);
            uint256 sellThrough = sellBefore + sellWh;
            uint256 buyThrough = buyBefore + buyWh;
            if (sellBefore >= buyThrough || buyBefore >= sellThrough) revert E.DayPairDisjoint(t);
            uint256 matched = sellThrough < buyThrough ? sellThrough : buyThrough;
            if (c.matchedWh() != matched) revert E.DayMatchedMismatch(t, c.matchedWh(), matched);
            // the merge goes on with the next sell if the marginal sell is used up, with the next buy if the marginal
            // buy is, with both if both are
            if (sellThrough < buyThrough) {
                if (minAsk <= c.bid()) revert E.DayStillMatchable(t, minAsk, c.bid());
            } else if (buyThrough < sellThrough) {
                if (c.ask() <= maxBid) revert E.DayStillMatchable(t, c.ask(), maxBid);
            } else if (minAsk <= maxBid) {
                revert E.DayStillMatchable(t, minAsk, maxBid);
            }
        }
    }

    function unpackSeen(uint256 seen) private pure returns (uint256 before, uint256 wh, uint256 bestAfter) {
        return (uint64(seen), uint32(seen >> 64), uint32(seen >> 96));
    }

    function storeBill(bytes memory bills, uint256 member, Tally memory tally, uint256 gridImport, uint256 gridExport)
        private
        pure
    {
        // every field is bounded by 96 readings of 15 bits (Wh) and a price below 2^24 (units)
        uint256 word = uint256(
            DayBillWord.unwrap(
                DayBillWords.pack(
                    uint32(tally.bought),
                    uint32(tally.sold),
                    uint64(tally.boughtUnits),
                    uint64(tally.soldUnits),
                    uint32(gridImport),
                    uint32(gridExport)
                )
            )
        );
        assembly ("memory-safe") {
            mstore(add(add(bills, 0x20), mul(member, 0x20)), word)
        }
    }

    // ============================================================================================ clock

    /// @notice When `day` starts: its first interval is day × 96 + dayStartSlot.
    function startOf(uint8 dayStartSlot, uint32 day) internal pure returns (uint256) {
        return (uint256(day) * SLOTS + dayStartSlot) * 900;
    }

    /// @notice When `day` ends: its 96 intervals later.
    function endOf(uint8 dayStartSlot, uint32 day) internal pure returns (uint256) {
        return startOf(dayStartSlot, day) + 1 days;
    }

    /// @dev The tariff epoch in force at `day`'s start: an announced epoch applies from its start on, and only the
    ///      latest can still be ahead (KiezMarket.openIntervals decides an interval's epoch the same way).
    function epochOf(Clock memory clock, uint32 day) private pure returns (uint16) {
        return startOf(clock.dayStartSlot, day) < clock.latestEpochStartsAt ? clock.latestEpoch - 1 : clock.latestEpoch;
    }
}
