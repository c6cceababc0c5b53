// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MeteredReading, Side, Tariff} from "./MarketTypes.sol";

/// @title MarketMath
/// @notice The market's arithmetic, shared by the contract and mirrored bit for bit by the engine (sim/).
library MarketMath {
    /// @dev Wh × µEUR/kWh is 1e-9 EUR, i.e. 1e9 wei of an 18-decimal euro.
    uint256 internal constant WEI_PER_UNIT = 1e9;
    uint256 internal constant INTERVALS_PER_DAY = 96;

    /// @notice Sort key: sells ascending by price, buys descending by price, ties by bid index.
    function sortKey(Side side, uint32 price, uint32 bidIndex) internal pure returns (uint64) {
        uint64 pricePart = side == Side.Sell ? uint64(price) : uint64(type(uint32).max - price);
        return (pricePart << 32) | bidIndex;
    }

    /// @notice Packs an order entry in one word: participant << 96 | wh << 64 | price << 32 | bidIndex.
    function packEntry(uint32 bidIndex, address participant, uint24 wh, uint32 price) internal pure returns (uint256) {
        return (uint256(uint160(participant)) << 96) | (uint256(wh) << 64) | (uint256(price) << 32) | bidIndex;
    }

    /// @notice A placed bid in one word: participant << 96 | side << 88 | wh << 64 | price << 32. Its
    ///         participant, Wh and price sit where an order entry has them (read with entryParticipant etc.).
    ///         `side` is a Side value (callers check it: 0 cancelled, 1 sell, 2 buy).
    function packBid(address participant, uint8 side, uint24 wh, uint32 price) internal pure returns (uint256) {
        return (uint256(uint160(participant)) << 96) | (uint256(side) << 88) | (uint256(wh) << 64)
            | (uint256(price) << 32);
    }

    /// @notice The terms of a signed bid in one word: side << 152 | wh << 128 | price << 96 | nonce << 64 | deadline.
    function unpackSignedTerms(uint256 terms)
        internal
        pure
        returns (uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline)
    {
        return (uint8(terms >> 152), uint24(terms >> 128), uint32(terms >> 96), uint32(terms >> 64), uint64(terms));
    }

    /// @notice The side byte of a bid word (0 once cancelled), unchecked: callers compare it with Side values.
    function bidSide(uint256 bid) internal pure returns (uint8) {
        return uint8(bid >> 88);
    }

    /// @notice A bid word with its side cleared: how a cancelled bid stays in its batch.
    function cancelled(uint256 bid) internal pure returns (uint256) {
        return bid & ~(uint256(0xff) << 88);
    }

    /// @notice The order entry of a live bid word at `bidIndex` (its side dropped, the index in the low bits).
    function entryOf(uint256 bid, uint32 bidIndex) internal pure returns (uint256) {
        return cancelled(bid) | bidIndex;
    }

    /// @notice What the market stores for a batch of bids: it binds the words to the interval and their indexes.
    function batchDigest(uint32 interval, uint32 firstBidIndex, uint256[] memory bids) internal pure returns (bytes32) {
        return keccak256(abi.encode(interval, firstBidIndex, bids));
    }

    function entryBid(uint256 e) internal pure returns (uint32) {
        return uint32(e);
    }

    function entryPrice(uint256 e) internal pure returns (uint32) {
        return uint32(e >> 32);
    }

    function entryWh(uint256 e) internal pure returns (uint24) {
        return uint24(e >> 64);
    }

    function entryParticipant(uint256 e) internal pure returns (address) {
        return address(uint160(e >> 96));
    }

    /// @notice Per-kWh charge a buyer pays on top of the P2P price.
    function lemCharges(Tariff memory t) internal pure returns (uint256) {
        return uint256(t.platformFee) + t.levies + t.lemSupplierMargin + t.lemNetworkFee;
    }

    /// @notice The highest per-kWh component of a tariff.
    function highestPrice(Tariff memory t) internal pure returns (uint256 highest) {
        uint24[8] memory prices = [
            t.energyPrice, t.levies, t.supplierMargin, t.networkFee, t.feedInTariff, t.platformFee, t.lemSupplierMargin,
            t.lemNetworkFee
        ];
        for (uint256 i = 0; i < 8; ++i) {
            if (prices[i] > highest) highest = prices[i];
        }
    }

    function timeOfUse(Tariff memory t) internal pure returns (uint256) {
        return uint256(t.energyPrice) + t.levies + t.supplierMargin + t.networkFee;
    }

    /// @notice Worst-case cost of a buy bid, in units: every Wh filled at the limit price plus LEM charges.
    function buyLockUnits(Tariff memory t, uint24 wh, uint32 price) internal pure returns (uint64) {
        return lockUnits(lemCharges(t), wh, price);
    }

    /// @notice buyLockUnits with the tariff's LEM charges given (at most 4 × 2^24, see lemCharges).
    function lockUnits(uint256 lemChargesPerKWh, uint24 wh, uint32 price) internal pure returns (uint64) {
        return SafeCast.toUint64(uint256(wh) * (uint256(price) + lemChargesPerKWh));
    }

    /// @notice The uniform clearing price: the midpoint of the marginal pair, rounded down.
    function midpoint(uint32 ask, uint32 bid) internal pure returns (uint32) {
        return uint32((uint256(ask) + bid) / 2);
    }

    /// @notice The Wh of a bid filled when `matchedWh` is matched and `cumBeforeWh` lies before it in its side's order.
    function fill(uint64 matchedWh, uint64 cumBeforeWh, uint24 wh) internal pure returns (uint64) {
        if (matchedWh <= cumBeforeWh) return 0;
        uint64 rest = matchedWh - cumBeforeWh;
        return rest < wh ? rest : wh;
    }

    /// @notice A committed reading in one word: participant << 96 | supplier << 64 | importWh << 32 | exportWh.
    function packReading(address participant, uint8 supplier, uint32 importWh, uint32 exportWh)
        internal
        pure
        returns (uint256)
    {
        return (uint256(uint160(participant)) << 96) | (uint256(supplier) << 64) | (uint256(importWh) << 32) | exportWh;
    }

    function unpackReading(uint256 w) internal pure returns (MeteredReading memory) {
        return MeteredReading(address(uint160(w >> 96)), uint8(w >> 64), uint32(w >> 32), uint32(w));
    }

    /// @notice One bill of a BillsIssued event: participant << 96 | bought << 64 | sold << 32 | uint32(int32 grid),
    ///         where grid is the import (positive) or the export (negative) left to the grid.
    function packBill(address participant, uint32 boughtWh, uint32 soldWh, uint32 gridImportWh, uint32 gridExportWh)
        internal
        pure
        returns (uint256)
    {
        int32 grid = SafeCast.toInt32(int256(uint256(gridImportWh)) - int256(uint256(gridExportWh)));
        return (uint256(uint160(participant)) << 96) | (uint256(boughtWh) << 64) | (uint256(soldWh) << 32)
            | uint256(uint32(grid));
    }

    function isDayStart(uint32 interval, uint8 dayStartSlot) internal pure returns (bool) {
        return interval % INTERVALS_PER_DAY == dayStartSlot;
    }

    /// @notice Grid residual after P2P: metered net import minus net P2P purchase, to import (>0) or export (<0).
    function gridResidual(uint32 importWh, uint32 exportWh, uint64 boughtWh, uint64 soldWh)
        internal
        pure
        returns (uint32 gridImportWh, uint32 gridExportWh)
    {
        int256 residual = int256(uint256(importWh)) - int256(uint256(exportWh)) - int256(uint256(boughtWh))
            + int256(uint256(soldWh));
        if (residual > 0) gridImportWh = SafeCast.toUint32(uint256(residual));
        else gridExportWh = SafeCast.toUint32(uint256(-residual));
    }
}
