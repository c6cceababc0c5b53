// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice One ledger account in one storage slot, so that a relayed bid reads and writes its signer's account
///         once: balances, the EIP-712 bid nonce, this interval's bid tally (the per-interval caps) and a debt flag.
///
/// ```
///  255            224 223        206 205        188 187 185 184 183      160 159             96 95             0
///  +----------------+------------+------------+-------+---+----------+-----------------+----------------+
///  | tallyInterval  | boughtWh   | soldWh     | bids  |dbt| bidNonce | lockedUnits     | free (wei)     |
///  | 32 bits        | 18 bits    | 18 bits    | 3     | 1 | 24 bits  | 64 bits         | 96 bits        |
///  +----------------+------------+------------+-------+---+----------+-----------------+----------------+
///                   '------------- the tally: bits 185-255 -----------'
/// ```
///
/// - `free` includes credits, in token wei (2^96 wei is 79 billion euro).
/// - `lockedUnits` backs open buy bids, in units (Wh × µEUR/kWh = 1e9 wei): every lock is a whole number of units.
/// - `bidNonce` is the next nonce of the participant's signed bids (it wraps after 2^24; a signed bid names its
///   interval, so an old signature can never be replayed into an open interval).
/// - the tally counts the live bids and the Wh bid on each side in `tallyInterval`, the latest interval the
///   participant bid in: the registered limits hold per interval (energy at most 2^18 − 1 Wh a side).
/// - `debt` is set while the registration's `owed` holds grid charges of this participant, so that settlement and
///   deposits read `owed` only when there is something to repay.
type AccountWord is uint256;

using AccountWords for AccountWord global;

/// @notice Getters and setters of AccountWord. Setters mask their field: a value wider than its field reverts.
library AccountWords {
    error AccountFieldOverflow(uint256 field, uint256 value);

    uint256 internal constant LOCKED_SHIFT = 96;
    uint256 internal constant NONCE_SHIFT = 160;
    uint256 internal constant DEBT_SHIFT = 184;
    uint256 internal constant TALLY_SHIFT = 185;
    uint256 internal constant TALLY_BIDS_SHIFT = 185;
    uint256 internal constant SOLD_SHIFT = 188;
    uint256 internal constant BOUGHT_SHIFT = 206;
    uint256 internal constant TALLY_INTERVAL_SHIFT = 224;
    /// @notice Where each field sits within `tally()`, the tally read as one number.
    uint256 internal constant TALLY_SOLD = SOLD_SHIFT - TALLY_SHIFT; // 3
    uint256 internal constant TALLY_BOUGHT = BOUGHT_SHIFT - TALLY_SHIFT; // 21
    uint256 internal constant TALLY_INTERVAL = TALLY_INTERVAL_SHIFT - TALLY_SHIFT; // 39

    uint256 internal constant FREE_MASK = (1 << 96) - 1;
    uint256 internal constant LOCKED_MASK = (1 << 64) - 1;
    uint256 internal constant NONCE_MASK = (1 << 24) - 1;
    uint256 internal constant INTERVAL_MASK = (1 << 32) - 1;
    uint256 internal constant BIDS_MASK = (1 << 3) - 1;
    uint256 internal constant WH_MASK = (1 << 18) - 1;
    /// @notice The most Wh a tally field holds: the highest registered limit.
    uint256 internal constant MAX_TALLY_WH = WH_MASK;
    /// @notice The most live bids the tally counts.
    uint256 internal constant MAX_TALLY_BIDS = BIDS_MASK;

    function free(AccountWord w) internal pure returns (uint256) {
        return AccountWord.unwrap(w) & FREE_MASK;
    }

    function lockedUnits(AccountWord w) internal pure returns (uint256) {
        return (AccountWord.unwrap(w) >> LOCKED_SHIFT) & LOCKED_MASK;
    }

    function bidNonce(AccountWord w) internal pure returns (uint32) {
        return uint32((AccountWord.unwrap(w) >> NONCE_SHIFT) & NONCE_MASK);
    }

    function tallyInterval(AccountWord w) internal pure returns (uint32) {
        return uint32(AccountWord.unwrap(w) >> TALLY_INTERVAL_SHIFT);
    }

    function tallyBids(AccountWord w) internal pure returns (uint8) {
        return uint8((AccountWord.unwrap(w) >> TALLY_BIDS_SHIFT) & BIDS_MASK);
    }

    function inDebt(AccountWord w) internal pure returns (bool) {
        return (AccountWord.unwrap(w) >> DEBT_SHIFT) & 1 == 1;
    }

    function tallySoldWh(AccountWord w) internal pure returns (uint32) {
        return uint32((AccountWord.unwrap(w) >> SOLD_SHIFT) & WH_MASK);
    }

    function tallyBoughtWh(AccountWord w) internal pure returns (uint32) {
        return uint32((AccountWord.unwrap(w) >> BOUGHT_SHIFT) & WH_MASK);
    }

    function withFree(AccountWord w, uint256 value) internal pure returns (AccountWord) {
        return set(w, 0, FREE_MASK, value);
    }

    function withLockedUnits(AccountWord w, uint256 value) internal pure returns (AccountWord) {
        return set(w, LOCKED_SHIFT, LOCKED_MASK, value);
    }

    /// @notice The next nonce, wrapping within its 24 bits.
    function withNextNonce(AccountWord w) internal pure returns (AccountWord) {
        uint256 word = AccountWord.unwrap(w);
        // cannot overflow: the nonce field is masked back into its 24 bits
        unchecked {
            uint256 next = ((word >> NONCE_SHIFT) + 1) & NONCE_MASK;
            return AccountWord.wrap((word & ~(NONCE_MASK << NONCE_SHIFT)) | (next << NONCE_SHIFT));
        }
    }

    function withDebt(AccountWord w, bool value) internal pure returns (AccountWord) {
        return set(w, DEBT_SHIFT, 1, value ? 1 : 0);
    }

    /// @notice The tally of `interval`: live bids and Wh a side.
    function withTally(AccountWord w, uint32 interval, uint256 bids, uint256 soldWh, uint256 boughtWh)
        internal
        pure
        returns (AccountWord)
    {
        w = set(w, TALLY_INTERVAL_SHIFT, INTERVAL_MASK, interval);
        w = set(w, TALLY_BIDS_SHIFT, BIDS_MASK, bids);
        w = set(w, SOLD_SHIFT, WH_MASK, soldWh);
        return set(w, BOUGHT_SHIFT, WH_MASK, boughtWh);
    }

    /// @notice A word with every field given (the round-trip fuzz test builds its words with it).
    function pack(
        uint256 free_,
        uint256 lockedUnits_,
        uint32 bidNonce_,
        uint32 tallyInterval_,
        uint256 tallyBids_,
        bool inDebt_,
        uint256 tallySoldWh_,
        uint256 tallyBoughtWh_
    ) internal pure returns (AccountWord w) {
        w = w.withFree(free_).withLockedUnits(lockedUnits_).withDebt(inDebt_);
        w = set(w, NONCE_SHIFT, NONCE_MASK, bidNonce_);
        return w.withTally(tallyInterval_, tallyBids_, tallySoldWh_, tallyBoughtWh_);
    }

    /// @notice The tally fields above TALLY_SHIFT as one number: bids | soldWh << 3 | boughtWh << 21 | interval << 39.
    function tally(AccountWord w) internal pure returns (uint256) {
        return AccountWord.unwrap(w) >> TALLY_SHIFT;
    }

    /// @notice `w` with its tally fields replaced by `tally_` (laid out as `tally` returns them).
    function withTallyWord(AccountWord w, uint256 tally_) internal pure returns (AccountWord) {
        return AccountWord.wrap((AccountWord.unwrap(w) & ((1 << TALLY_SHIFT) - 1)) | (tally_ << TALLY_SHIFT));
    }

    function set(AccountWord w, uint256 shift, uint256 mask, uint256 value) private pure returns (AccountWord) {
        if (value > mask) revert AccountFieldOverflow(shift, value);
        return AccountWord.wrap((AccountWord.unwrap(w) & ~(mask << shift)) | (value << shift));
    }
}
