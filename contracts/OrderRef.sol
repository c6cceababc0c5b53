// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice How an order names a bid (KiezMarket.submitOrder, orderAndClear): a direct bid by its bid index, a
///         relayed bid by its position among the batches handed back with the order (whose bid words the market checks
///         against their digests). The top bit tells which:
///
/// ```
///   31  30                                   0
///  +---+--------------------------------------+
///  | h | bid index (h = 0), position (h = 1)  |
///  +---+--------------------------------------+
/// ```
type OrderRef is uint32;

using OrderRefs for OrderRef global;

/// @notice Constructors and getters of OrderRef.
library OrderRefs {
    uint32 internal constant HANDED_BACK = 1 << 31;

    /// @notice The reference to direct bid `bidIndex` (below 2^31: an interval takes at most 1,024 bids).
    function direct(uint32 bidIndex) internal pure returns (OrderRef) {
        return OrderRef.wrap(bidIndex & ~HANDED_BACK);
    }

    /// @notice The reference to the relayed bid at `position` among the batches handed back.
    function handedBack(uint32 position) internal pure returns (OrderRef) {
        return OrderRef.wrap(position | HANDED_BACK);
    }

    /// @notice Whether the reference names a relayed bid in the batches handed back.
    function isHandedBack(OrderRef ref) internal pure returns (bool) {
        return OrderRef.unwrap(ref) & HANDED_BACK != 0;
    }

    /// @notice The bid index of a direct reference, or the position of a handed-back one.
    function index(OrderRef ref) internal pure returns (uint32) {
        return OrderRef.unwrap(ref) & ~HANDED_BACK;
    }
}
