// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {Participant, ParticipantClass, Side} from "./MarketTypes.sol";

// The market's packed words other than the account (AccountWord.sol) and the order reference (OrderRef.sol): each a
// uint256 in calldata, events and memory, typed here with its constructor and getters. The engine's twins are in
// sim/market/words.ts; test/solidity/MarketWords.t.sol round-trips each, test/contracts/words.test.ts crosses languages.

/// @notice A placed bid: how a relayed bid travels in BidsPlaced and comes back in its batch. Its participant, Wh and
///         price sit where an order entry has them, so that the entry of a bid is the word with its side cleared and
///         its bid index or-ed in (`entry`). A cancelled bid keeps its word with side None.
///
/// ```
///  255               96 95     88 87     64 63      32 31      0
///  +-------------------+---------+---------+----------+---------+
///  | participant       | side    | wh      | price    | 0       |
///  | 160 bits          | 8 bits  | 24 bits | 32 bits  | 32 bits |
///  +-------------------+---------+---------+----------+---------+
/// ```
type BidWord is uint256;

/// @notice A bid as it stands in a committed order page: what billing and clearing read back.
///
/// ```
///  255               96 95     88 87     64 63      32 31      0
///  +-------------------+---------+---------+----------+---------+
///  | participant       | 0       | wh      | price    | bidIndex|
///  | 160 bits          | 8 bits  | 24 bits | 32 bits  | 32 bits |
///  +-------------------+---------+---------+----------+---------+
/// ```
type OrderEntry is uint256;

/// @notice A meter reading as the market commits it, with the supplier of the household's registration.
///
/// ```
///  255               96 95     72 71     64 63      32 31      0
///  +-------------------+---------+---------+----------+---------+
///  | participant       | 0       | supplier| importWh | exportWh|
///  | 160 bits          | 24 bits | 8 bits  | 32 bits  | 32 bits |
///  +-------------------+---------+---------+----------+---------+
/// ```
type ReadingWord is uint256;

/// @notice One bill of a BillsIssued event. `grid` is the import (positive) or export (negative) left to the grid,
///         as a two's-complement int32.
///
/// ```
///  255               96 95      64 63      32 31      0
///  +-------------------+----------+----------+---------+
///  | participant       | boughtWh | soldWh   | grid    |
///  | 160 bits          | 32 bits  | 32 bits  | int32   |
///  +-------------------+----------+----------+---------+
/// ```
type BillWord is uint256;

/// @notice The terms of an EIP-712 signed bid as a relayer sends them (the signer is recovered, not sent). `side` is
///         whatever was signed: the relay refuses anything but Sell or Buy.
///
/// ```
///  255     160 159  152 151    128 127     96 95      64 63        0
///  +----------+--------+---------+----------+----------+-----------+
///  | 0        | side   | wh      | price    | nonce    | deadline  |
///  | 96 bits  | 8 bits | 24 bits | 32 bits  | 32 bits  | 64 bits   |
///  +----------+--------+---------+----------+----------+-----------+
/// ```
type SignedTerms is uint256;

/// @notice A registration's storage slot read as one word (the layout Solidity gives `Participant`, MarketTypes.sol), for
///         the relay's hot path: one SLOAD, then each field by name.
///
/// ```
///  255          128 127          64 63      40 39      16 15    8 7     0
///  +--------------+---------------+----------+----------+-------+-------+
///  | owed         | meteringPoint | export   | import   | suppl.| class |
///  | 128 bits     | 64 bits       | 24 bits  | 24 bits  | 8     | 8     |
///  +--------------+---------------+----------+----------+-------+-------+
/// ```
type RegistrationWord is uint256;

/// @notice A day-mode member as the roster stores it: its account, its standing order (the limit prices it trades at in
///         every interval of the days from `sinceDay` on; earlier days take the order kept in DayBook.orderBefore), and
///         what a day's readings are checked and priced against, copied from its registration (which never changes
///         them): its supplier, whether its metering point is confirmed (only then does it sell), and its limits.
///
/// ```
///  255             96 95    76 75    56 55      40 39   36 35 34       20 19       5 4   0
///  +-----------------+--------+--------+----------+-------+--+----------+----------+-----+
///  | account         | floor  | cap    | sinceDay | suppl.|mp| import   | export   | 0   |
///  | 160 bits        | 20     | 20     | 16 bits  | 4     |1 | 15 bits  | 15 bits  | 5   |
///  +-----------------+--------+--------+----------+-------+--+----------+----------+-----+
/// ```
/// `floor` is the least a member sells its export for, `cap` the most it pays for its import (µEUR/kWh, P2P price
/// without the LEM charges; zero: no order on that side; every allowed price is below EP ≤ 10^6 < 2^20). `sinceDay` is a
/// day number (unix days, 2^16 reaches the year 2149), `mp` the confirmed metering point, the limits Wh per interval.
type DayMemberWord is uint256;

/// @notice A member as a day's meter page commits it: the account, the supplier and the standing order in force that
///         day. `floor` is zero when the member may not sell (no order, or no confirmed metering point).
///
/// ```
///  255               96 95     88 87      64 63      40 39     0
///  +-------------------+---------+----------+----------+--------+
///  | account           | supplier| floor    | cap      | 0      |
///  | 160 bits          | 8 bits  | 24 bits  | 24 bits  | 40     |
///  +-------------------+---------+----------+----------+--------+
/// ```
type DayPartyWord is uint256;

/// @notice One interval of a day's clearing, as the caller hands it in and DaySettled emits it: the marginal pair (the
///         members whose export and import the greedy merge matched last, with their limit prices), the Wh matched,
///         and the Wh each side's order holds before its marginal member. `seller` = `buyer` = NO_MEMBER and every
///         other field zero: nothing matched. The price is midpoint(ask, bid).
///
/// ```
///  255     232 231     208 207   184 183   160 159      128 127        96 95        64 63   0
///  +----------+----------+--------+--------+-----------+------------+------------+------+
///  | seller   | buyer    | ask    | bid    | matchedWh | sellBefore | buyBefore  | 0    |
///  | 24 bits  | 24 bits  | 24     | 24     | 32 bits   | 32 bits    | 32 bits    | 64   |
///  +----------+----------+--------+--------+-----------+------------+------------+------+
/// ```
type DayClearingWord is uint256;

/// @notice One member's settled day in DaySettled (the members in roster order): the P2P Wh and their value in units
///         (Σ Wh × the interval's price), and what was left to the grid.
///
/// ```
///  255      224 223      192 191          128 127           64 63        32 31        0
///  +-----------+-----------+---------------+---------------+-----------+-----------+
///  | boughtWh  | soldWh    | boughtUnits   | soldUnits     | gridImport| gridExport|
///  | 32 bits   | 32 bits   | 64 bits       | 64 bits       | 32 bits   | 32 bits   |
///  +-----------+-----------+---------------+---------------+-----------+-----------+
/// ```
type DayBillWord is uint256;

using BidWords for BidWord global;
using OrderEntries for OrderEntry global;
using ReadingWords for ReadingWord global;
using BillWords for BillWord global;
using SignedTermsWords for SignedTerms global;
using RegistrationWords for RegistrationWord global;
using DayMemberWords for DayMemberWord global;
using DayPartyWords for DayPartyWord global;
using DayClearingWords for DayClearingWord global;
using DayBillWords for DayBillWord global;

/// @notice Constructor and getters of BidWord.
library BidWords {
    uint256 internal constant SIDE_SHIFT = 88;

    /// @notice The word of a bid; `side` is a Side value (0 None for a cancelled bid, 1 Sell, 2 Buy).
    function pack(address participant, uint8 side, uint24 wh, uint32 price) internal pure returns (BidWord) {
        return BidWord.wrap(
            (uint256(uint160(participant)) << 96) | (uint256(side) << SIDE_SHIFT) | (uint256(wh) << 64)
                | (uint256(price) << 32)
        );
    }

    function participant(BidWord w) internal pure returns (address) {
        return address(uint160(BidWord.unwrap(w) >> 96));
    }

    /// @notice The bid's side (None once cancelled). Read without the enum's range check: every bid word is built by
    ///         `pack` from a Side value (the relay and the ordering build them; a batch handed back must match its
    ///         digest), and a caller compares the result with Side values only.
    function side(BidWord w) internal pure returns (Side s) {
        assembly ("memory-safe") {
            s := and(shr(88, w), 0xff)
        }
    }

    function wh(BidWord w) internal pure returns (uint24) {
        return uint24(BidWord.unwrap(w) >> 64);
    }

    function price(BidWord w) internal pure returns (uint32) {
        return uint32(BidWord.unwrap(w) >> 32);
    }

    /// @notice The word with its side cleared: how a cancelled bid stays in its batch.
    function cancelled(BidWord w) internal pure returns (BidWord) {
        return BidWord.wrap(BidWord.unwrap(w) & ~(uint256(0xff) << SIDE_SHIFT));
    }

    /// @notice The order entry of the bid at `bidIndex`.
    function entry(BidWord w, uint32 bidIndex) internal pure returns (OrderEntry) {
        return OrderEntry.wrap(BidWord.unwrap(cancelled(w)) | bidIndex);
    }
}

/// @notice Constructor and getters of OrderEntry.
library OrderEntries {
    /// @notice The entry of bid `bidIndex` (as BidWords.entry makes it from the bid's word).
    function pack(uint32 bidIndex, address participant, uint24 wh, uint32 price) internal pure returns (OrderEntry) {
        return BidWords.pack(participant, 0, wh, price).entry(bidIndex);
    }

    function participant(OrderEntry e) internal pure returns (address) {
        return address(uint160(OrderEntry.unwrap(e) >> 96));
    }

    function wh(OrderEntry e) internal pure returns (uint24) {
        return uint24(OrderEntry.unwrap(e) >> 64);
    }

    function price(OrderEntry e) internal pure returns (uint32) {
        return uint32(OrderEntry.unwrap(e) >> 32);
    }

    function bidIndex(OrderEntry e) internal pure returns (uint32) {
        return uint32(OrderEntry.unwrap(e));
    }
}

/// @notice Constructor and getters of ReadingWord.
library ReadingWords {
    function pack(address participant, uint8 supplier, uint32 importWh, uint32 exportWh)
        internal
        pure
        returns (ReadingWord)
    {
        return ReadingWord.wrap(
            (uint256(uint160(participant)) << 96) | (uint256(supplier) << 64) | (uint256(importWh) << 32) | exportWh
        );
    }

    function participant(ReadingWord r) internal pure returns (address) {
        return address(uint160(ReadingWord.unwrap(r) >> 96));
    }

    function supplier(ReadingWord r) internal pure returns (uint8) {
        return uint8(ReadingWord.unwrap(r) >> 64);
    }

    function importWh(ReadingWord r) internal pure returns (uint32) {
        return uint32(ReadingWord.unwrap(r) >> 32);
    }

    function exportWh(ReadingWord r) internal pure returns (uint32) {
        return uint32(ReadingWord.unwrap(r));
    }
}

/// @notice Constructor and getters of BillWord.
library BillWords {
    /// @notice The bill word; one of the grid import and export is zero (MarketMath.gridResidual), their difference
    ///         fits an int32.
    function pack(address participant, uint32 boughtWh, uint32 soldWh, uint32 gridImportWh, uint32 gridExportWh)
        internal
        pure
        returns (BillWord)
    {
        int32 grid = SafeCast.toInt32(int256(uint256(gridImportWh)) - int256(uint256(gridExportWh)));
        return BillWord.wrap(
            (uint256(uint160(participant)) << 96) | (uint256(boughtWh) << 64) | (uint256(soldWh) << 32)
                | uint256(uint32(grid))
        );
    }

    function participant(BillWord b) internal pure returns (address) {
        return address(uint160(BillWord.unwrap(b) >> 96));
    }

    function boughtWh(BillWord b) internal pure returns (uint32) {
        return uint32(BillWord.unwrap(b) >> 64);
    }

    function soldWh(BillWord b) internal pure returns (uint32) {
        return uint32(BillWord.unwrap(b) >> 32);
    }

    /// @notice Import left to the grid (> 0) or export to it (< 0), Wh.
    function grid(BillWord b) internal pure returns (int32) {
        return int32(uint32(BillWord.unwrap(b)));
    }
}

/// @notice Constructor and getters of SignedTerms.
library SignedTermsWords {
    function pack(uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline) internal pure returns (SignedTerms) {
        return SignedTerms.wrap(
            (uint256(side) << 152) | (uint256(wh) << 128) | (uint256(price) << 96) | (uint256(nonce) << 64) | deadline
        );
    }

    /// @notice Every field at once (the relay reads them all).
    function unpack(SignedTerms t)
        internal
        pure
        returns (uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline)
    {
        uint256 w = SignedTerms.unwrap(t);
        return (uint8(w >> 152), uint24(w >> 128), uint32(w >> 96), uint32(w >> 64), uint64(w));
    }
}

/// @notice Getters of RegistrationWord, the fields of `Participant` where Solidity lays them out.
library RegistrationWords {
    /// @notice The registration of `participant` as one word: a single read of its slot.
    function load(mapping(address => Participant) storage participants, address participant)
        internal
        view
        returns (RegistrationWord w)
    {
        Participant storage p = participants[participant];
        assembly ("memory-safe") {
            w := sload(p.slot)
        }
    }

    /// @notice Whether anyone is registered (class None is nobody).
    function isRegistered(RegistrationWord w) internal pure returns (bool) {
        return uint8(RegistrationWord.unwrap(w)) != uint8(ParticipantClass.None);
    }

    function class(RegistrationWord w) internal pure returns (uint8) {
        return uint8(RegistrationWord.unwrap(w));
    }

    function supplier(RegistrationWord w) internal pure returns (uint8) {
        return uint8(RegistrationWord.unwrap(w) >> 8);
    }

    function importLimitWh(RegistrationWord w) internal pure returns (uint24) {
        return uint24(RegistrationWord.unwrap(w) >> 16);
    }

    function exportLimitWh(RegistrationWord w) internal pure returns (uint24) {
        return uint24(RegistrationWord.unwrap(w) >> 40);
    }

    function meteringPoint(RegistrationWord w) internal pure returns (uint64) {
        return uint64(RegistrationWord.unwrap(w) >> 64);
    }

    function owed(RegistrationWord w) internal pure returns (uint128) {
        return uint128(RegistrationWord.unwrap(w) >> 128);
    }
}

/// @notice Constructor, getters and setters of DayMemberWord. Setters refuse a value wider than its field.
library DayMemberWords {
    error DayMemberFieldOverflow(uint256 field, uint256 value);

    uint256 private constant PRICE_MASK = (1 << 20) - 1;
    uint256 private constant LIMIT_MASK = (1 << 15) - 1;
    uint256 private constant ORDER_MASK = ((1 << 56) - 1) << 40; // floor, cap, sinceDay

    /// @notice A new member: no order yet.
    function pack(address account, uint8 supplier, uint24 importLimitWh, uint24 exportLimitWh)
        internal
        pure
        returns (DayMemberWord)
    {
        if (supplier > 15) revert DayMemberFieldOverflow(36, supplier);
        if (importLimitWh > LIMIT_MASK) revert DayMemberFieldOverflow(20, importLimitWh);
        if (exportLimitWh > LIMIT_MASK) revert DayMemberFieldOverflow(5, exportLimitWh);
        return DayMemberWord.wrap(
            (uint256(uint160(account)) << 96) | (uint256(supplier) << 36) | (uint256(importLimitWh) << 20)
                | (uint256(exportLimitWh) << 5)
        );
    }

    /// @notice The word with another standing order, in force from `sinceDay`.
    function withOrder(DayMemberWord w, uint24 floor_, uint24 cap_, uint32 sinceDay_) internal pure returns (DayMemberWord) {
        if (floor_ > PRICE_MASK) revert DayMemberFieldOverflow(76, floor_);
        if (cap_ > PRICE_MASK) revert DayMemberFieldOverflow(56, cap_);
        if (sinceDay_ > type(uint16).max) revert DayMemberFieldOverflow(40, sinceDay_);
        return DayMemberWord.wrap(
            (DayMemberWord.unwrap(w) & ~ORDER_MASK) | (uint256(floor_) << 76) | (uint256(cap_) << 56)
                | (uint256(sinceDay_) << 40)
        );
    }

    /// @notice The word of a member whose metering point is confirmed.
    function withMeteringPoint(DayMemberWord w) internal pure returns (DayMemberWord) {
        return DayMemberWord.wrap(DayMemberWord.unwrap(w) | (1 << 35));
    }

    function account(DayMemberWord w) internal pure returns (address) {
        return address(uint160(DayMemberWord.unwrap(w) >> 96));
    }

    function floor(DayMemberWord w) internal pure returns (uint24) {
        return uint24((DayMemberWord.unwrap(w) >> 76) & PRICE_MASK);
    }

    function cap(DayMemberWord w) internal pure returns (uint24) {
        return uint24((DayMemberWord.unwrap(w) >> 56) & PRICE_MASK);
    }

    function sinceDay(DayMemberWord w) internal pure returns (uint32) {
        return uint16(DayMemberWord.unwrap(w) >> 40);
    }

    function supplier(DayMemberWord w) internal pure returns (uint8) {
        return uint8((DayMemberWord.unwrap(w) >> 36) & 0xf);
    }

    function metered(DayMemberWord w) internal pure returns (bool) {
        return (DayMemberWord.unwrap(w) >> 35) & 1 == 1;
    }

    function importLimitWh(DayMemberWord w) internal pure returns (uint24) {
        return uint24((DayMemberWord.unwrap(w) >> 20) & LIMIT_MASK);
    }

    function exportLimitWh(DayMemberWord w) internal pure returns (uint24) {
        return uint24((DayMemberWord.unwrap(w) >> 5) & LIMIT_MASK);
    }
}

/// @notice Constructor and getters of DayPartyWord.
library DayPartyWords {
    function pack(address account, uint8 supplier, uint24 floor, uint24 cap) internal pure returns (DayPartyWord) {
        return DayPartyWord.wrap(
            (uint256(uint160(account)) << 96) | (uint256(supplier) << 88) | (uint256(floor) << 64) | (uint256(cap) << 40)
        );
    }

    function account(DayPartyWord w) internal pure returns (address) {
        return address(uint160(DayPartyWord.unwrap(w) >> 96));
    }

    function supplier(DayPartyWord w) internal pure returns (uint8) {
        return uint8(DayPartyWord.unwrap(w) >> 88);
    }

    function floor(DayPartyWord w) internal pure returns (uint24) {
        return uint24(DayPartyWord.unwrap(w) >> 64);
    }

    function cap(DayPartyWord w) internal pure returns (uint24) {
        return uint24(DayPartyWord.unwrap(w) >> 40);
    }
}

/// @notice Constructor and getters of DayClearingWord.
library DayClearingWords {
    /// @notice The seller and buyer of an interval in which nothing matched.
    uint24 internal constant NO_MEMBER = type(uint24).max;

    function pack(
        uint24 seller,
        uint24 buyer,
        uint24 ask,
        uint24 bid,
        uint32 matchedWh,
        uint32 sellBeforeWh,
        uint32 buyBeforeWh
    ) internal pure returns (DayClearingWord) {
        return DayClearingWord.wrap(
            (uint256(seller) << 232) | (uint256(buyer) << 208) | (uint256(ask) << 184) | (uint256(bid) << 160)
                | (uint256(matchedWh) << 128) | (uint256(sellBeforeWh) << 96) | (uint256(buyBeforeWh) << 64)
        );
    }

    /// @notice The word of an interval in which nothing matched.
    function noTrade() internal pure returns (DayClearingWord) {
        return pack(NO_MEMBER, NO_MEMBER, 0, 0, 0, 0, 0);
    }

    function seller(DayClearingWord w) internal pure returns (uint24) {
        return uint24(DayClearingWord.unwrap(w) >> 232);
    }

    function buyer(DayClearingWord w) internal pure returns (uint24) {
        return uint24(DayClearingWord.unwrap(w) >> 208);
    }

    function ask(DayClearingWord w) internal pure returns (uint24) {
        return uint24(DayClearingWord.unwrap(w) >> 184);
    }

    function bid(DayClearingWord w) internal pure returns (uint24) {
        return uint24(DayClearingWord.unwrap(w) >> 160);
    }

    function matchedWh(DayClearingWord w) internal pure returns (uint32) {
        return uint32(DayClearingWord.unwrap(w) >> 128);
    }

    function sellBeforeWh(DayClearingWord w) internal pure returns (uint32) {
        return uint32(DayClearingWord.unwrap(w) >> 96);
    }

    function buyBeforeWh(DayClearingWord w) internal pure returns (uint32) {
        return uint32(DayClearingWord.unwrap(w) >> 64);
    }
}

/// @notice Constructor and getters of DayBillWord.
library DayBillWords {
    function pack(
        uint32 boughtWh,
        uint32 soldWh,
        uint64 boughtUnits,
        uint64 soldUnits,
        uint32 gridImportWh,
        uint32 gridExportWh
    ) internal pure returns (DayBillWord) {
        return DayBillWord.wrap(
            (uint256(boughtWh) << 224) | (uint256(soldWh) << 192) | (uint256(boughtUnits) << 128)
                | (uint256(soldUnits) << 64) | (uint256(gridImportWh) << 32) | gridExportWh
        );
    }

    function boughtWh(DayBillWord w) internal pure returns (uint32) {
        return uint32(DayBillWord.unwrap(w) >> 224);
    }

    function soldWh(DayBillWord w) internal pure returns (uint32) {
        return uint32(DayBillWord.unwrap(w) >> 192);
    }

    function boughtUnits(DayBillWord w) internal pure returns (uint64) {
        return uint64(DayBillWord.unwrap(w) >> 128);
    }

    function soldUnits(DayBillWord w) internal pure returns (uint64) {
        return uint64(DayBillWord.unwrap(w) >> 64);
    }

    function gridImportWh(DayBillWord w) internal pure returns (uint32) {
        return uint32(DayBillWord.unwrap(w) >> 32);
    }

    function gridExportWh(DayBillWord w) internal pure returns (uint32) {
        return uint32(DayBillWord.unwrap(w));
    }
}
