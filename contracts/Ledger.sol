// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {AccountWord} from "./AccountWord.sol";
import {IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {Participant} from "./MarketTypes.sol";

/// @notice The market's money: every account (participants, suppliers, fee recipients), the registrations (which
///         hold the grid charges participants owe their suppliers), each supplier's account, and what a supplier could
///         not pay at settlement.
///         Invariant: token balance + Σ supplierShortfall = Σ free + Σ locked (+ the P2P pools of intervals settling).
struct Ledger {
    mapping(address account => AccountWord) accounts;
    mapping(address participant => Participant) participants;
    mapping(uint8 supplier => address account) supplierAccount;
    mapping(uint8 supplier => uint256 amount) supplierShortfall;
}

/// @notice Where one account's word is stored: found once, then read and written there (a relayed bid reads and
///         writes its signer's account in one slot computation).
type AccountSlot is bytes32;

using Ledgers for Ledger global;
using Ledgers for AccountSlot global;

/// @notice Every change of an account goes through `store` (as every ERC-20 balance change goes through OpenZeppelin's
///         `_update`); debts change through `repayDebt` and `recordDebt`.
library Ledgers {
    /// @notice The slot of `account`'s word (`ledger.accounts[account]`).
    function slotOf(Ledger storage ledger, address account) internal view returns (AccountSlot slot) {
        mapping(address => AccountWord) storage accounts = ledger.accounts;
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, accounts.slot)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The account word stored in `slot`.
    function load(AccountSlot slot) internal view returns (AccountWord w) {
        assembly ("memory-safe") {
            w := sload(slot)
        }
    }

    /// @notice Writes an account word: the one place the market changes balances, locks, nonces and bid tallies.
    function store(AccountSlot slot, AccountWord w) internal {
        assembly ("memory-safe") {
            sstore(slot, w)
        }
    }

    /// @notice `account`'s word.
    function account(Ledger storage ledger, address who) internal view returns (AccountWord) {
        return slotOf(ledger, who).load();
    }

    /// @notice Adds to an account's free balance: the one way credits reach an account outside a bill or a deposit.
    function credit(Ledger storage ledger, address who, uint256 amount) internal {
        AccountSlot slot = slotOf(ledger, who);
        AccountWord w = slot.load();
        slot.store(w.withFree(w.free() + amount));
    }

    /// @notice Repays up to `available` of what `participant` owes; returns their word with the debt flag cleared once
    ///         nothing is owed (for the caller to store), and the amount repaid (for the caller to credit the supplier).
    function repayDebt(Ledger storage ledger, address participant, AccountWord w, uint256 available)
        internal
        returns (AccountWord, uint256 repaid)
    {
        Participant storage p = ledger.participants[participant];
        uint256 debt = p.owed;
        repaid = debt < available ? debt : available;
        // cannot underflow: repaid <= debt, which fits owed
        p.owed = uint128(debt - repaid);
        return (repaid == debt ? w.withDebt(false) : w, repaid);
    }

    /// @notice Adds `unpaid` grid charges of `interval` to what `participant` owes their supplier; returns their word
    ///         with the debt flag set (for the caller to store).
    function recordDebt(Ledger storage ledger, uint32 interval, address participant, AccountWord w, uint256 unpaid)
        internal
        returns (AccountWord)
    {
        Participant storage p = ledger.participants[participant];
        p.owed = SafeCast.toUint128(p.owed + unpaid);
        emit Ev.DebtRecorded(interval, participant, unpaid);
        return w.withDebt(true);
    }
}
