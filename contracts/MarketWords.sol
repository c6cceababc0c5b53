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

using BidWords for BidWord global;
using OrderEntries for OrderEntry global;
using ReadingWords for ReadingWord global;
using BillWords for BillWord global;
using SignedTermsWords for SignedTerms global;
using RegistrationWords for RegistrationWord global;

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
