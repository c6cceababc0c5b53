// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// Day mode's packed words (contracts/MarketDays.sol): each a uint256 in storage, calldata and events, typed here with
// its constructor and getters. The engine's twins are in sim/market/words.ts.

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

using DayMemberWords for DayMemberWord global;
using DayPartyWords for DayPartyWord global;
using DayClearingWords for DayClearingWord global;
using DayBillWords for DayBillWord global;

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
