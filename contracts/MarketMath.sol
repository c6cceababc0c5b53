// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Side, Tariff} from "./MarketTypes.sol";
import {BidWord} from "./MarketWords.sol";

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

    /// @notice What the market stores for a batch of bids: it binds the words to the interval and their indexes.
    function batchDigest(uint32 interval, uint32 firstBidIndex, BidWord[] memory bids) internal pure returns (bytes32) {
        return keccak256(abi.encode(interval, firstBidIndex, bids));
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
