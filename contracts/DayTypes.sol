// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DayMemberWord, DayPartyWord} from "./DayWords.sol";
import {DayPhase} from "./MarketTypes.sol";

// Day mode's storage and calldata shapes (contracts/MarketDays.sol).

/// @notice One day of a day-mode community. `members` is the roster when it opened (members 0..members-1 trade in it);
///         `next` the day opened after it (days settle in the order they opened). A day settled in pages keeps the
///         clearing its verification accepted, how far its settlement has come, and the P2P money it has moved.
struct DayState {
    DayPhase phase;
    uint16 tariffEpoch;
    uint32 members;
    uint32 readMembers;
    uint16 meterPages;
    uint32 next;
    uint16 settledPages;
    uint32 settledMembers;
    bytes32 verifiedClearing;
    uint128 poolIn;
    uint128 poolOut;
    mapping(uint16 page => bytes32 digest) meterPageDigest;
    mapping(bytes32 clearing => DayVerification) verifications;
}

/// @notice A paged verification of one claimed clearing (keyed by its hash, so that a wrong claim's run never stands in
///         the way of the right one's): the meter pages passed so far, the first member of the next, and what the pass
///         has seen in each slot (MarketDays: the seen words, 96 a side).
struct DayVerification {
    uint16 pages;
    uint32 nextMember;
    uint256[192] seen;
}

/// @notice A day as `dayOf` shows it.
struct DayInfo {
    DayPhase phase;
    uint16 tariffEpoch;
    uint32 members;
    uint32 readMembers;
    uint16 meterPages;
}

/// @notice Everything day mode keeps: the roster (one word per member: its account and standing order), the order each
///         member had before its latest change (for days opened before that change took effect), and the days.
struct DayBook {
    uint32 memberCount;
    /// the last day opened (0: none yet) and the earliest opened day neither settled nor void (0: none)
    uint32 lastOpened;
    uint32 nextToSettle;
    mapping(uint32 member => DayMemberWord) members;
    mapping(uint32 member => DayMemberWord) orderBefore;
    mapping(address account => uint32 memberPlusOne) memberOf;
    mapping(uint32 day => DayState) dayStates;
}

/// @notice A committed meter page of a day as `settleDay` hands it back: its members (as the page committed them) and
///         their readings (MarketDays: 192 bytes a member).
struct DayPage {
    DayPartyWord[] parties;
    bytes readings;
}
