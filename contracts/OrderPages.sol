// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IKiezMarketErrors as E} from "./IKiezMarket.sol";
import {OrderEntry} from "./MarketWords.sol";
import {IntervalState, OrderPage, Side} from "./MarketTypes.sol";

/// @title OrderPages
/// @notice Reading back an interval's committed order pages (MarketOrdering commits them): each page handed in is
///         checked against its digest and laid out by position, for clearing and billing.
library OrderPages {
    /// @dev Committed order pages laid out by position: packed entry i has position `base + i`.
    struct Flat {
        uint32 base;
        OrderEntry[] entries;
        uint64[] cumBefore;
    }

    /// @notice The pages of one side handed back in, checked and laid out by position.
    function flatten(
        IntervalState storage st,
        uint32 interval,
        Side side,
        OrderPage[] calldata pages
    ) internal view returns (Flat memory f) {
        uint256 n;
        for (uint256 p = 0; p < pages.length; ++p) {
            n += pages[p].entries.length;
        }
        f.entries = new OrderEntry[](n);
        f.cumBefore = new uint64[](n);
        if (pages.length == 0) return f;
        f.base = pages[0].startPos;
        uint256 k;
        for (uint256 p = 0; p < pages.length; ++p) {
            OrderPage calldata pg = pages[p];
            requireCommittedPage(st, interval, side, pg, f.base + k);
            uint64 cum = pg.cumStartWh;
            OrderEntry[] calldata entries = pg.entries;
            // cannot overflow: k < n (sized above); cum sums uint24 amounts, far below 2^64
            unchecked {
                for (uint256 i = 0; i < entries.length; ++i) {
                    OrderEntry e = entries[i];
                    f.entries[k] = e;
                    f.cumBefore[k] = cum;
                    cum += e.wh();
                    ++k;
                }
            }
        }
    }

    /// @dev A page handed back in must be the committed one (its digest) and follow the previous page given.
    function requireCommittedPage(
        IntervalState storage st,
        uint32 interval,
        Side side,
        OrderPage calldata pg,
        uint256 expectedStart
    ) internal view {
        if (keccak256(abi.encode(side, pg.startPos, pg.cumStartWh, pg.entries)) != st.orderPageDigest[side][pg.page]) {
            revert E.OrderPageMismatch(interval, side, pg.page);
        }
        if (pg.startPos != expectedStart) revert E.OrderPagesNotConsecutive(side, uint32(expectedStart), pg.startPos);
    }

    /// @dev The entry at position `pos` of a side and the Wh before it; the page holding it must have been handed in.
    function entryAt(Flat memory f, Side side, uint32 pos) internal pure returns (OrderEntry, uint64) {
        if (pos < f.base || pos - f.base >= f.entries.length) revert E.OrderPositionNotSupplied(side, pos);
        return (f.entries[pos - f.base], f.cumBefore[pos - f.base]);
    }
}
