// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {MarketMath} from "../../contracts/MarketMath.sol";
import {Tariff} from "../../contracts/MarketTypes.sol";

// What the SMTChecker proves of MarketMath (scripts/smt-check.mjs, `npm run smt`): each contract states one promise of
// the market's arithmetic as assertions over all inputs, and the checker also proves that no operation on the way
// overflows, underflows or divides by zero. The codecs and sort keys (shifts and masks, which the checker's integer
// encoding does not prove within its time limit) are held by the fuzz tests instead (test/solidity/MarketFuzz.t.sol).

/// @notice The clearing price lies within the marginal pair and is their midpoint rounded down, by less than one.
contract MidpointProperty {
    function midpointRoundsDownWithinThePair(uint32 ask, uint32 bid) external pure {
        require(ask <= bid);
        uint32 price = MarketMath.midpoint(ask, bid);
        assert(ask <= price && price <= bid);
        assert(2 * uint256(price) <= uint256(ask) + bid);
        assert(uint256(ask) + bid <= 2 * uint256(price) + 1);
    }
}

/// @notice A bid is filled by at most its Wh, by nothing before the matched volume reaches it, in full once the
///         matched volume covers it, and never past the matched volume.
contract FillProperty {
    function fillStaysWithinBidAndMatch(uint64 matchedWh, uint64 cumBeforeWh, uint24 wh) external pure {
        uint64 filled = MarketMath.fill(matchedWh, cumBeforeWh, wh);
        assert(filled <= wh);
        if (matchedWh <= cumBeforeWh) assert(filled == 0);
        else assert(uint256(cumBeforeWh) + filled <= matchedWh);
        if (uint256(matchedWh) >= uint256(cumBeforeWh) + wh) assert(filled == wh);
    }
}

/// @notice The lock of a buy bid and its tariff's charges never overflow, whatever the bid and tariff components.
contract LockProperty {
    function lockArithmeticNeverOverflows(Tariff memory t, uint24 wh, uint32 limitPrice) external pure returns (uint256) {
        return MarketMath.timeOfUse(t) + uint256(MarketMath.buyLockUnits(t, wh, limitPrice));
    }
}

/// @notice The grid takes what P2P left on one side only: at most one of grid import and export is non-zero, and the
///         residual's arithmetic never overflows. (That the two balance the metered and P2P energy is held by
///         testFuzz_gridResidualBalances: the checker does not model SafeCast's custom-error reverts, "does not yet
///         implement type error", and so reports that equality as violated on paths that revert.)
contract GridResidualProperty {
    function gridResidualOneSided(uint32 importWh, uint32 exportWh, uint32 boughtWh, uint32 soldWh) external pure {
        (uint32 gridImportWh, uint32 gridExportWh) = MarketMath.gridResidual(importWh, exportWh, boughtWh, soldWh);
        assert(gridImportWh == 0 || gridExportWh == 0);
    }
}
