// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DayPhase, ParticipantClass, Phase, Reading, SettlementMode, Side, Tariff} from "./MarketTypes.sol";
import {DayClearingWord, DayPartyWord} from "./DayWords.sol";
import {BidWord} from "./MarketWords.sol";

/// @title IKiezMarketEvents
/// @notice Everything an auditor needs to replay an interval without reading storage.
interface IKiezMarketEvents {
    /// @notice The community was set up (once, by the factory) with its settlement euro, gate lead and day start slot.
    event MarketInitialized(address indexed token, uint32 gateLeadSeconds, uint8 dayStartSlot);
    /// @notice The accounts that receive the platform fee, the levies and the network fee from now on.
    event FeeRecipientsSet(address platform, address taxCollector, address networkOperator);
    /// @notice The account that receives a supplier's income and pays its feed-in from now on.
    event SupplierAccountSet(uint8 indexed supplier, address account);
    /// @notice A supplier's account will move to `account` once `effectiveAt` has passed (`applySupplierAccount`).
    event SupplierAccountAnnounced(uint8 indexed supplier, address account, uint40 effectiveAt);
    /// @notice The fee recipients will change once `effectiveAt` has passed (`applyFeeRecipients`).
    event FeeRecipientsAnnounced(address platform, address taxCollector, address networkOperator, uint40 effectiveAt);
    /// @notice A supplier's tariff for an epoch (µEUR per kWh, the daily charge in µEUR).
    event TariffSet(uint8 indexed supplier, uint16 indexed epoch, Tariff tariff);
    /// @notice A tariff epoch was announced: intervals starting at `startsAt` or later take it.
    event TariffEpochScheduled(uint16 indexed epoch, uint40 startsAt);
    /// @notice A household registered (itself, or through the admin's onboarding) with its class, supplier and limits.
    event ParticipantRegistered(
        address indexed participant, ParticipantClass participantClass, uint8 supplier, uint24 importLimitWh, uint24 exportLimitWh
    );
    /// @notice The meter role (or the admin's onboarding) bound `participant` to its metering point: it may now sell.
    event MeteringPointConfirmed(address indexed participant, uint64 meteringPoint);
    /// @notice `amount` euro arrived on the account (what the token actually moved), before any debt repaid from it.
    event Deposited(address indexed account, uint256 amount);
    /// @notice `amount` euro left the account's free balance for its wallet.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Charges of `interval` (in day mode, of the day that starts with it) that `participant` could not pay at
    ///         settlement, now owed to their supplier.
    event DebtRecorded(uint32 indexed interval, address indexed participant, uint256 amount);
    /// @notice Earlier grid charges of `participant` repaid to their supplier's account, from a deposit or a credit.
    event DebtRepaid(address indexed participant, address indexed supplierAccount, uint256 amount);
    /// @notice Feed-in a supplier's account could not pay at settlement; the households were credited all the same.
    event SupplierShortfallRecorded(uint32 indexed interval, uint8 indexed supplier, uint256 amount);
    /// @notice Part of a supplier's shortfall repaid from its income or its account's balance at a settlement.
    event SupplierShortfallRepaid(uint8 indexed supplier, uint256 amount);
    /// @notice The interval takes bids until `gateClosesAt`, at the tariffs of `tariffEpoch`.
    event IntervalOpened(uint32 indexed interval, uint16 tariffEpoch, uint40 gateClosesAt);
    /// @notice A direct bid from the participant's wallet (Wh, µEUR per kWh); a buy locked its worst-case cost.
    event BidPlaced(
        uint32 indexed interval, uint32 bidIndex, address indexed participant, Side side, uint24 wh, uint32 price
    );
    /// @notice A relayed batch of signed bids, one word each (BidWord: participant, side, Wh, price); bid k has index
    ///         `firstBidIndex + k`.
    event BidsPlaced(uint32 indexed interval, uint32 batch, uint32 firstBidIndex, BidWord[] bids);
    /// @notice A signed bid left out of its relayed batch because its nonce had already been used (the rest of the
    ///         batch was placed).
    event SignedBidSkipped(uint32 indexed interval, address indexed participant, uint32 nonce, uint32 expectedNonce);
    /// @notice A bid was cancelled and a buy bid's lock went back to its owner.
    event BidCancelled(uint32 indexed interval, uint32 bidIndex, address indexed participant);
    /// @notice A page of one side's sorted order: its first position, the Wh before it, and its bid indexes, four
    ///         big-endian bytes each.
    event OrderPageCommitted(
        uint32 indexed interval, Side side, uint16 page, uint32 startPos, uint64 cumStartWh, bytes bidIndexes
    );
    /// @notice The marginal pair was verified: the uniform price and the Wh matched (sellPos NO_TRADE: nothing matched).
    event IntervalPriced(uint32 indexed interval, uint32 price, uint64 matchedWh, uint32 sellPos, uint32 buyPos);
    /// @notice One step of the greedy merge: `wh` from `seller` to `buyer` at the interval's price.
    event TradeMatched(
        uint32 indexed interval, address indexed seller, address indexed buyer, uint64 wh, uint32 price
    );
    /// @notice Every matched Wh of the interval was traded; metering may start.
    event IntervalCleared(uint32 indexed interval, uint32 price, uint64 matchedWh);
    /// @notice A page of meter readings, ascending by participant.
    event ReadingsPosted(uint32 indexed interval, uint16 page, Reading[] readings);
    /// @notice The meter declared the interval's readings complete, in `pages` pages.
    event MeteringFinished(uint32 indexed interval, uint16 pages);
    /// @notice A page of bills, one 32-byte word each (BillWord: participant, P2P bought Wh, P2P sold Wh, and the grid
    ///         Wh as a two's-complement int32, import positive, export negative).
    event BillsIssued(uint32 indexed interval, uint16 page, bytes bills);
    /// @notice The bills issued so far for the interval are void: auditors drop its earlier BillsIssued events.
    event BillingRestarted(uint32 indexed interval);
    /// @notice Every meter page was billed, and the bills account for every filled Wh and every lock.
    event IntervalBilled(uint32 indexed interval);
    /// @notice Every bill page was settled; `p2pVolume` euro passed through the interval's pool.
    event IntervalSettled(uint32 indexed interval, uint256 p2pVolume);
    /// @notice The interval was not billed within REFUND_AFTER of its gate: anyone may now cancel its bids.
    event IntervalRefunding(uint32 indexed interval);
    /// @notice Every buy bid of a refunding interval was cancelled and its lock released.
    event IntervalRefunded(uint32 indexed interval);

    // ---- day mode (communities created with SettlementMode.Day) ----
    /// @notice A household joined the day-mode roster as `member`; it trades in the days opened from now on.
    event DayMemberAdded(address indexed account, uint32 member);
    /// @notice A member's standing order: it sells its metered export for no less than `floor` and buys its metered
    ///         import for no more than `cap` (µEUR/kWh; zero: not on that side), in the days from `sinceDay` on.
    event StandingOrderSet(address indexed account, uint32 member, uint24 floor, uint24 cap, uint32 sinceDay);
    /// @notice A day was opened: members 0..members-1 trade in it, at the tariffs of `tariffEpoch`. Its first interval
    ///         is day × 96 + the community's day start slot.
    event DayOpened(uint32 indexed day, uint16 tariffEpoch, uint32 members);
    /// @notice A page of a day's readings: for the members from `firstMember` on, each as the page commits it
    ///         (DayPartyWord) and 96 readings of two big-endian bytes (top bit: export; low 15 bits: Wh).
    event DayReadingsPosted(uint32 indexed day, uint16 page, uint32 firstMember, DayPartyWord[] parties, bytes readings);
    /// @notice Every member of the day has its readings.
    event DayMetered(uint32 indexed day, uint16 pages);
    /// @notice The day was verified and settled: its clearing, interval by interval, and each member's bill (DayBillWord,
    ///         in roster order); `p2pVolume` euro passed from buyers to sellers.
    event DaySettled(uint32 indexed day, DayClearingWord[] clearing, bytes bills, uint256 p2pVolume);
    /// @notice A day settled in pages was verified: every interval's clearing (DayClearingWord), which its pages then
    ///         settle with.
    event DayVerified(uint32 indexed day, DayClearingWord[] clearing);
    /// @notice Pages of a verified day were settled: the bills (DayBillWord) of the members from `firstMember` on, in
    ///         roster order; `settled` when they were the day's last.
    event DayPagesSettled(uint32 indexed day, uint32 firstMember, bytes bills, bool settled);
    /// @notice The day was not settled within DAY_VOID_AFTER of its end: none of its money moves.
    event DayVoided(uint32 indexed day);
}

/// @title IKiezMarketErrors
/// @notice Every refusal of the market, named component + problem, with the offending values.
interface IKiezMarketErrors {
    error MarketUnknownSupplier(uint8 supplier, uint8 supplierCount);
    error MarketTooManySuppliers(uint256 count, uint8 max);
    error MarketLengthMismatch(uint256 expected, uint256 actual);
    error MarketZeroAddress();
    error MarketOrderPageSize(uint16 orderPageSize, uint16 max);
    /// @notice The settlement token's decimals (0 when it states none): only an 18-decimal euro prices exactly.
    error MarketTokenDecimals(address token, uint8 decimals);
    error ParticipantNotRegistered(address account);
    error ParticipantAlreadyRegistered(address account);
    error ParticipantInvalidClass(uint8 participantClass);
    error ParticipantConsumerCannotExport(uint24 exportLimitWh);
    error ParticipantLimitTooHigh(uint24 limitWh, uint24 maxWh);
    error ParticipantMeteringPointTaken(uint64 meteringPoint, address boundTo);
    error ParticipantMeteringPointZero(address participant);
    error TariffLemMarginBelowGrid(uint8 supplier, uint32 lemSupplierMargin, uint32 supplierMargin);
    error TariffLemNetworkFeeBelowGrid(uint8 supplier, uint32 lemNetworkFee, uint32 networkFee);
    error TariffFeedInNotBelowEnergyPrice(uint8 supplier, uint32 feedInTariff, uint32 energyPrice);
    error TariffNoBuyerBenefit(uint8 supplier, uint256 lemCharges, uint256 timeOfUse);
    error TariffComponentTooHigh(uint8 supplier, uint256 value, uint256 max);
    error TariffChangePending(uint16 epoch, uint40 startsAt);
    error MarketNoChangeAnnounced();
    error MarketNoticeRunning(uint40 effectiveAt, uint256 nowTs);
    error MarketNotSupplierAccount(uint8 supplier, address caller, address account);
    error LedgerZeroAmount();
    error LedgerInsufficientFree(address account, uint256 needed, uint256 available);
    error IntervalWrongPhase(uint32 interval, Phase actual);
    error IntervalRingBusy(uint32 interval, uint32 earlierInterval);
    error IntervalGateInPast(uint32 interval, uint40 gateClosesAt, uint256 nowTs);
    error IntervalGateClosed(uint32 interval, uint40 gateClosesAt, uint256 nowTs);
    error IntervalGateNotClosed(uint32 interval, uint40 gateClosesAt, uint256 nowTs);
    error IntervalRefundNotDue(uint32 interval, uint256 refundableAt, uint256 nowTs);
    error BidZeroEnergy();
    error BidInvalidSide(uint8 side);
    error BidEnergyAboveLimit(uint32 intervalWh, uint24 limitWh);
    error BidBelowMinimum(uint24 wh, uint24 minWh);
    error BidSellerNotMetered(address participant);
    error BidIntervalBehind(address participant, uint32 latestInterval, uint32 interval);
    error BidCountAboveLimit(address participant, uint32 interval, uint256 maxBids);
    error BidAskOutOfRange(uint32 price, uint32 feedInTariff, uint32 energyPrice);
    error BidPriceNotBelowEnergyPrice(uint32 price, uint32 energyPrice);
    error BidPriceZero();
    error BidTotalNotBelowTimeOfUse(uint32 price, uint256 totalPerKWh, uint256 timeOfUse);
    error BidNotFound(uint32 interval, uint32 bidIndex);
    error BidNotOwner(uint32 interval, uint32 bidIndex, address caller);
    error BidBatchSize(uint256 size, uint256 max);
    error BidBatchMismatch(uint32 interval, uint32 batch);
    error SignatureExpired(uint64 deadline, uint256 nowTs);
    error SignatureInvalid(address recovered);
    /// @notice The signature's s lies in the upper half of the curve order: the twin of a valid signature, refused so that
    ///         each signed bid has one signature.
    error SignatureMalleable(bytes32 s);
    error SignatureSignerNotRegistered(address signer);
    error SignatureWrongNonce(address participant, uint32 expected, uint32 given);
    error OrderEmptyPage();
    error OrderAlreadyPaged(uint32 interval, uint16 sellPages, uint16 buyPages);
    error OrderWrongSide(uint32 interval, uint32 bidIndex, Side expected, Side actual);
    error OrderNotSorted(uint32 interval, Side side, uint64 previousKey, uint64 key);
    error OrderTooLong(uint32 interval, Side side, uint256 ordered, uint32 bidsOnSide);
    error OrderIncomplete(uint32 interval, Side side, uint32 ordered, uint32 bidsOnSide);
    error OrderPageMismatch(uint32 interval, Side side, uint16 page);
    error OrderPagesNotConsecutive(Side side, uint32 expectedStart, uint32 actualStart);
    error OrderPositionNotSupplied(Side side, uint32 position);
    error ClearingPairNotMatched(uint32 sellPos, uint32 buyPos, uint32 ask, uint32 bid);
    error ClearingPairDisjoint(uint32 sellPos, uint32 buyPos);
    error ClearingStillMatchable(uint32 sellPos, uint32 buyPos);
    error MeterEmptyPage();
    error MeterPageTooLarge(uint256 readings, uint256 max);
    error IntervalBidsFull(uint32 interval, uint32 maxBids);
    error OrderPageSize(uint32 interval, Side side, uint256 entries, uint16 pageSize);
    error MeterReadingsNotAscending(uint32 interval, address previous, address participant);
    error MeterReadingAboveLimit(
        address participant, uint32 importWh, uint32 exportWh, uint24 importLimitWh, uint24 exportLimitWh
    );
    error BillingUnmeteredOutOfRange(uint32 interval, address participant);
    error BillingUnmeteredTooMany(uint32 interval, uint256 unmetered, uint256 max);
    error BillingUnmeteredWasMetered(uint32 interval, address participant);
    error BillingUnmeteredWithoutBids(uint32 interval, address participant);
    error MeterPageMismatch(uint32 interval, uint16 page);
    error BillingNeedsPages(uint32 interval, uint16 meterPages);
    error BillingPageOutOfOrder(uint32 interval, uint16 page, uint16 expected);
    error BillingWrongParticipant(uint32 interval, Side side, uint32 position, address expected, address actual);
    error BillingPositionsNotIncreasing(Side side, uint32 previous, uint32 position);
    error BillingTotalsMismatch(uint32 interval, uint64 soldWh, uint64 boughtWh, uint64 matchedWh);
    error BillingLocksMismatch(uint32 interval, uint64 releasedUnits, uint64 lockedUnits);
    error BillPageMismatch(uint32 interval, uint16 page);
    error SettlementPageOutOfOrder(uint32 interval, uint16 page, uint16 expected);
    error SettlementPoolUnbalanced(uint32 interval, uint256 poolIn, uint256 poolOut);
    /// @notice The call belongs to the other settlement mode than the community's.
    error MarketWrongSettlementMode(SettlementMode mode);
    error DayRosterFull(uint32 maxMembers);
    error DayNotMember(address account);
    /// @notice An earlier order change still applies to a day not yet settled; change again once `day` is settled.
    error DayOrderChangePending(address account, uint32 day);
    error DayWrongPhase(uint32 day, DayPhase phase);
    error DayNotAfterLastOpened(uint32 day, uint32 lastOpened);
    error DayOutOfRange(uint32 day, uint32 maxDay);
    error DayStartInPast(uint32 day, uint256 startsAt, uint256 nowTs);
    error DayNotEnded(uint32 day, uint256 endsAt, uint256 nowTs);
    error DayNotNextToSettle(uint32 day, uint32 nextToSettle);
    error DayVoidNotDue(uint32 day, uint256 voidableAt, uint256 nowTs);
    /// @notice A meter page must hold whole members (192 bytes each), at least one and at most `maxMembers`, and no
    ///         more than the day has left unread.
    error DayPageSize(uint256 bytesGiven, uint256 maxMembers, uint256 membersLeft);
    error DayReadingAboveLimit(address account, uint256 slot, uint256 wh, uint24 limitWh);
    error DayPagesIncomplete(uint32 day, uint256 given, uint16 pages);
    error DayPageMismatch(uint32 day, uint16 page);
    /// @notice Paged verification and settlement take the day's meter pages in order: `page` given, `expected` next.
    error DayPageOutOfOrder(uint32 day, uint16 page, uint16 expected);
    /// @notice Pages settle only with the clearing the day's verification accepted.
    error DayClearingNotVerified(uint32 day);
    error DayClearingLength(uint256 given);
    /// @notice Interval `slot` of the day: the clearing word is not one the contract can check (no trade with other
    ///         fields set, or the Wh matched not beyond each side's Wh before its marginal member).
    error DayClearingMalformed(uint256 slot);
    error DayMarginalNotFound(uint256 slot, Side side, uint24 member);
    error DayMarginalOverfilled(uint256 slot, Side side, uint24 member, uint256 fillWh, uint256 wh);
    error DayPairNotMatched(uint256 slot, uint24 ask, uint24 bid);
    error DayBeforeMismatch(uint256 slot, Side side, uint256 claimedWh, uint256 actualWh);
    error DayPairDisjoint(uint256 slot);
    error DayMatchedMismatch(uint256 slot, uint256 claimedWh, uint256 expectedWh);
    /// @notice After the claimed marginal pair (or with none) a sell at `ask` and a buy at `bid` would still match.
    error DayStillMatchable(uint256 slot, uint256 ask, uint256 bid);
}
