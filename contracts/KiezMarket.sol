// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {AccountWord, AccountWords} from "./AccountWord.sol";
import {AccountSlot, Ledger} from "./Ledger.sol";
import {IKiezMarketErrors, IKiezMarketEvents} from "./IKiezMarket.sol";
import {MarketBilling} from "./MarketBilling.sol";
import {MarketClearing} from "./MarketClearing.sol";
import {MarketDays} from "./MarketDays.sol";
import {MarketMath} from "./MarketMath.sol";
import {MarketRelay} from "./MarketRelay.sol";
import {MarketSettlement} from "./MarketSettlement.sol";
import {MarketTariffs} from "./MarketTariffs.sol";
import {OrderRef} from "./OrderRef.sol";
import {DayBook, DayInfo, DayPage, DayState} from "./DayTypes.sol";
import {DayClearingWord, DayMemberWord, DayMemberWords, DayPartyWord} from "./DayWords.sol";
import {
    Account,
    Bid,
    BidBatch,
    BidRingSlot,
    BillingInput,
    Bill,
    BillingState,
    ClearingState,
    Interval,
    IntervalState,
    MarketConfig,
    MarketInit,
    OrderPage,
    Participant,
    ParticipantClass,
    ParticipantProfile,
    Phase,
    Reading,
    SettlementMode,
    Side,
    Tariff
} from "./MarketTypes.sol";

/// @title KiezMarket
/// @notice The local energy market of one community (one distribution substation), deployed as an EIP-1167
///         clone by MarketFactory. Per 15-minute interval: bids → clearing (uniform-price double auction) →
///         meter readings → bills → settlement, each step forward only.
/// @dev The contract does not sort or search: callers hand in sorted orders, marginal pairs and bid positions,
///      and the contract verifies them in O(n). Work is paged so no transaction nears the per-transaction gas
///      cap. Every figure an auditor needs to replay an interval is in the events.
///
/// Invariants (test/solidity):
///  - token balance = Σ free + Σ locked + Σ over intervals (poolIn − poolOut); the pool term is 0 once an
///    interval is settled.
///  - no buy fills above its limit and no sell below; P2P Wh sold = P2P Wh bought per interval.
///  - an interval's phase only increases; each bid page, bill page and bill settles once.
contract KiezMarket is
    IKiezMarketEvents,
    IKiezMarketErrors,
    Initializable,
    AccessControl,
    Pausable,
    EIP712,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant METER_ROLE = keccak256("METER_ROLE");
    uint256 public constant INTERVAL_SECONDS = 900;
    uint8 public constant MAX_SUPPLIERS = 16;
    /// @notice Direct bids and relayed batch digests are stored in rings reused every BID_RING intervals (two
    ///         days): an interval's bids are only read until its order is committed, and reused slots cost a fifth
    ///         of fresh ones.
    uint32 public constant BID_RING = 192;
    /// @notice The highest import or export limit a registration may carry, Wh per interval (about a 1 MW
    ///         connection): the per-interval bid tally holds this much a side.
    uint24 public constant MAX_LIMIT_WH = uint24(AccountWords.MAX_TALLY_WH);
    /// @notice How long after its gate an interval not yet billed may be refunded by anyone (KiezMarket.refund): less
    ///         than the BID_RING period, so a stuck interval is refunded before its ring slot is needed again.
    uint256 public constant REFUND_AFTER = 1 days;
    /// @notice How long before it applies a tariff change is announced (households' supply contracts announce price
    ///         changes about a month ahead).
    uint256 public constant TARIFF_NOTICE = 30 days;
    /// @notice How long before an announced supplier account or fee recipient takes effect.
    uint256 public constant ACCOUNT_NOTICE = 7 days;
    /// @notice The most any per-kWh tariff component may be, µEUR/kWh (1 EUR/kWh), and the most the daily charge may be.
    uint256 public constant MAX_TARIFF_PRICE = MarketTariffs.MAX_TARIFF_PRICE;
    uint256 public constant MAX_DAILY_CHARGE = MarketTariffs.MAX_DAILY_CHARGE;
    /// @notice The largest order page a community may be created with, and the most order pages a side of an interval
    ///         may take: an interval holds at most min(MAX_INTERVAL_BIDS, MAX_ORDER_PAGES × orderPageSize) live bids, so
    ///         the worst interval still bills and settles in transactions under the 16,777,216 gas cap.
    uint16 public constant MAX_ORDER_PAGE = 400;
    uint32 public constant MAX_ORDER_PAGES = 32;
    uint32 public constant MAX_INTERVAL_BIDS = 1_024;
    /// @notice The most readings one meter page may carry (a bill page is a meter page).
    uint256 public constant MAX_METER_PAGE = MarketBilling.MAX_METER_PAGE;
    /// @notice The most unmetered bidders (billed as metering zero) billed with one meter page.
    uint256 public constant MAX_UNMETERED_PAGE = MarketBilling.MAX_UNMETERED_PAGE;
    /// @notice `sellPos` value that claims no pair matches.
    uint32 public constant NO_TRADE = MarketClearing.NO_TRADE;
    /// @notice Day mode: the most members a community takes (its days settled in pages; one transaction settles a day
    ///         of at most MarketDays.MAX_ONE_TRANSACTION_MEMBERS = 200), the most Wh a reading and so a registered limit
    ///         may be, and how long after its end an unsettled day may be voided.
    uint32 public constant MAX_DAY_MEMBERS = MarketDays.MAX_MEMBERS;
    uint24 public constant MAX_DAY_READING_WH = MarketDays.MAX_READING_WH;
    uint256 public constant DAY_VOID_AFTER = MarketDays.DAY_VOID_AFTER;

    // ---- configuration (token, supplier count, gate lead and day start live in the clone's code) ----
    /// @notice The latest tariff epoch, and when it takes effect: intervals starting before then keep the one before.
    uint16 public tariffEpoch;
    uint40 public tariffEpochStartsAt;

    /// @notice An announced account change and when it may be applied.
    struct PendingAccount {
        address account;
        uint40 effectiveAt;
    }

    struct PendingFeeRecipients {
        address platform;
        address taxCollector;
        address networkOperator;
        uint40 effectiveAt;
    }

    mapping(uint8 supplier => PendingAccount) internal _pendingSupplierAccount;
    PendingFeeRecipients internal _pendingFeeRecipients;

    address public platform;
    address public taxCollector;
    address public networkOperator;
    mapping(uint8 supplier => mapping(uint16 epoch => Tariff)) internal _tariffs;

    // ---- participants and ledger ----
    /// @notice The household each confirmed metering point is bound to.
    mapping(uint64 meteringPoint => address participant) public meteringPointOwner;
    Ledger internal _ledger;

    // ---- intervals ----
    mapping(uint32 interval => IntervalState) internal _intervals;
    mapping(uint32 ringSlot => BidRingSlot) internal _bidRing;

    // ---- days (communities created with SettlementMode.Day) ----
    DayBook internal _dayBook;

    /// @dev The implementation is never used directly: clones are initialized by the factory.
    constructor() EIP712("Kiezstrom Market", "1") {
        _disableInitializers();
    }

    /// @notice Sets up a freshly cloned market. Called once, by the factory, in the clone's creation transaction.
    ///         The factory put token, supplier count, gate lead and day start into the clone's code.
    function initialize(MarketInit calldata init) external initializer {
        MarketConfig memory c = config();
        if (c.token == address(0) || init.admin == address(0)) revert MarketZeroAddress();
        // amount = Wh × price × 1e9 is exact only in an 18-decimal euro (a 6-decimal one would be off by 10^12)
        uint8 decimals;
        try IERC20Metadata(c.token).decimals() returns (uint8 d) {
            decimals = d;
        } catch {} // solhint-disable-line no-empty-blocks
        if (decimals != 18) revert MarketTokenDecimals(c.token, decimals);
        if (init.suppliers.length != c.supplierCount || init.tariffs.length != c.supplierCount) {
            revert MarketLengthMismatch(c.supplierCount, init.tariffs.length);
        }
        if (c.supplierCount == 0 || c.supplierCount > MAX_SUPPLIERS) {
            revert MarketTooManySuppliers(c.supplierCount, MAX_SUPPLIERS);
        }
        if (c.orderPageSize == 0 || c.orderPageSize > MAX_ORDER_PAGE) revert MarketOrderPageSize(c.orderPageSize, MAX_ORDER_PAGE);
        _grantRole(DEFAULT_ADMIN_ROLE, init.admin);
        _grantRole(OPERATOR_ROLE, init.operator);
        _grantRole(METER_ROLE, init.meter);
        _setFeeRecipients(init.platform, init.taxCollector, init.networkOperator);
        for (uint8 s = 0; s < init.suppliers.length; ++s) {
            _setSupplierAccount(s, init.suppliers[s]);
            _setTariff(s, 0, init.tariffs[s]);
        }
        emit MarketInitialized(c.token, c.gateLeadSeconds, c.dayStartSlot);
    }

    // =========================================================================================== admin

    /// @notice Announces a new tariff epoch for every supplier: it applies to intervals starting TARIFF_NOTICE from now
    ///         or later (households see it coming in TariffEpochScheduled and TariffSet). One announcement at a time.
    function setTariffs(Tariff[] calldata tariffs) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint8 count = config().supplierCount;
        if (tariffs.length != count) revert MarketLengthMismatch(count, tariffs.length);
        if (block.timestamp < tariffEpochStartsAt) revert TariffChangePending(tariffEpoch, tariffEpochStartsAt);
        uint16 epoch = tariffEpoch + 1;
        uint40 startsAt = uint40(block.timestamp + TARIFF_NOTICE);
        tariffEpoch = epoch;
        tariffEpochStartsAt = startsAt;
        emit TariffEpochScheduled(epoch, startsAt);
        for (uint8 s = 0; s < tariffs.length; ++s) {
            _setTariff(s, epoch, tariffs[s]);
        }
    }

    /// @notice Announces that a supplier's income and feed-in payments move to `account` once ACCOUNT_NOTICE has
    ///         passed (the supplier sees it coming in SupplierAccountAnnounced); a later announcement replaces it.
    function announceSupplierAccount(uint8 supplier, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireSupplier(supplier);
        if (account == address(0)) revert MarketZeroAddress();
        uint40 effectiveAt = uint40(block.timestamp + ACCOUNT_NOTICE);
        _pendingSupplierAccount[supplier] = PendingAccount(account, effectiveAt);
        emit SupplierAccountAnnounced(supplier, account, effectiveAt);
    }

    /// @notice Moves a supplier's account at once. Only the supplier's current account may: it is its own money.
    function setSupplierAccount(uint8 supplier, address account) external {
        _requireSupplier(supplier);
        address current = _ledger.supplierAccount[supplier];
        if (msg.sender != current) revert MarketNotSupplierAccount(supplier, msg.sender, current);
        _setSupplierAccount(supplier, account);
    }

    /// @notice Applies an announced supplier account once its notice has run. Anyone may call.
    function applySupplierAccount(uint8 supplier) external {
        PendingAccount memory pending = _pendingSupplierAccount[supplier];
        _requireNoticeRun(pending.account, pending.effectiveAt);
        delete _pendingSupplierAccount[supplier];
        _setSupplierAccount(supplier, pending.account);
    }

    /// @notice Announces new accounts for the platform fee, levies and the network fee, taking effect once
    ///         ACCOUNT_NOTICE has passed (FeeRecipientsAnnounced); a later announcement replaces it.
    function announceFeeRecipients(address platform_, address taxCollector_, address networkOperator_)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _requireFeeRecipients(platform_, taxCollector_, networkOperator_);
        uint40 effectiveAt = uint40(block.timestamp + ACCOUNT_NOTICE);
        _pendingFeeRecipients = PendingFeeRecipients(platform_, taxCollector_, networkOperator_, effectiveAt);
        emit FeeRecipientsAnnounced(platform_, taxCollector_, networkOperator_, effectiveAt);
    }

    /// @notice Applies the announced fee recipients once their notice has run. Anyone may call.
    function applyFeeRecipients() external {
        PendingFeeRecipients memory pending = _pendingFeeRecipients;
        _requireNoticeRun(pending.platform, pending.effectiveAt);
        delete _pendingFeeRecipients;
        _setFeeRecipients(pending.platform, pending.taxCollector, pending.networkOperator);
    }

    /// @notice Stops new bids and clearing. Deposits, withdrawals, billing and settlement go on.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lets bids and clearing resume.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @notice Registers many participants at once (admin onboarding).
    function onboard(address[] calldata accounts, ParticipantProfile[] calldata profiles) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (accounts.length != profiles.length) revert MarketLengthMismatch(accounts.length, profiles.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            ParticipantProfile calldata p = profiles[i];
            _register(accounts[i], uint8(p.class), p.supplier, p.importLimitWh, p.exportLimitWh);
            if (p.meteringPoint != 0) _bindMeteringPoint(accounts[i], p.meteringPoint);
        }
    }

    /// @notice Binds a registered household to its metering point once the meter operator has confirmed it: from then
    ///         on its readings are the meter's and it may sell. A metering point belongs to one household at a time;
    ///         binding a household again (a meter exchanged) frees its old one. Meter role.
    function confirmMeteringPoint(address participant, uint64 meteringPoint) external onlyRole(METER_ROLE) {
        if (_ledger.participants[participant].class == ParticipantClass.None) revert ParticipantNotRegistered(participant);
        _bindMeteringPoint(participant, meteringPoint);
    }

    function _bindMeteringPoint(address participant, uint64 meteringPoint) internal {
        if (meteringPoint == 0) revert ParticipantMeteringPointZero(participant);
        address bound = meteringPointOwner[meteringPoint];
        if (bound != address(0) && bound != participant) revert ParticipantMeteringPointTaken(meteringPoint, bound);
        Participant storage p = _ledger.participants[participant];
        if (p.meteringPoint != 0) delete meteringPointOwner[p.meteringPoint];
        p.meteringPoint = meteringPoint;
        meteringPointOwner[meteringPoint] = participant;
        // a day-mode member's roster word says it may sell
        if (_settlement() == SettlementMode.Day) {
            uint32 member = _dayBook.memberOf[participant] - 1;
            _dayBook.members[member] = _dayBook.members[member].withMeteringPoint();
        }
        emit MeteringPointConfirmed(participant, meteringPoint);
    }

    // ====================================================================================== participants

    /// @notice Registers the caller as a participant.
    /// @param participantClass 1 consumer, 2 PV prosumer, 3 PV + battery prosumer.
    /// @param supplier the participant's energy supplier (index).
    /// @param importLimitWh the most the participant's buy bids may ask for in one interval, and the most a reading may
    ///        import (at most MAX_LIMIT_WH).
    /// @param exportLimitWh the same for sell bids and exports (0 for consumers). Selling also needs the meter role to
    ///        confirm the participant's metering point (confirmMeteringPoint).
    function register(uint8 participantClass, uint8 supplier, uint24 importLimitWh, uint24 exportLimitWh) external {
        _register(msg.sender, participantClass, supplier, importLimitWh, exportLimitWh);
    }

    function _register(
        address account,
        uint8 participantClass,
        uint8 supplier,
        uint24 importLimitWh,
        uint24 exportLimitWh
    )
        internal
    {
        if (account == address(0)) revert MarketZeroAddress();
        if (participantClass == 0 || participantClass > uint8(ParticipantClass.PvBattery)) {
            revert ParticipantInvalidClass(participantClass);
        }
        if (participantClass == uint8(ParticipantClass.Consumer) && exportLimitWh != 0) {
            revert ParticipantConsumerCannotExport(exportLimitWh);
        }
        bool dayMode = _settlement() == SettlementMode.Day;
        // a day-mode reading carries 15 bits
        uint24 maxLimit = dayMode ? MAX_DAY_READING_WH : MAX_LIMIT_WH;
        if (importLimitWh > maxLimit) revert ParticipantLimitTooHigh(importLimitWh, maxLimit);
        if (exportLimitWh > maxLimit) revert ParticipantLimitTooHigh(exportLimitWh, maxLimit);
        _requireSupplier(supplier);
        Participant storage p = _ledger.participants[account];
        if (p.class != ParticipantClass.None) revert ParticipantAlreadyRegistered(account);
        p.class = ParticipantClass(participantClass);
        p.supplier = supplier;
        p.importLimitWh = importLimitWh;
        p.exportLimitWh = exportLimitWh;
        emit ParticipantRegistered(account, ParticipantClass(participantClass), supplier, importLimitWh, exportLimitWh);
        if (dayMode) _addDayMember(account, supplier, importLimitWh, exportLimitWh);
    }

    /// @dev Adds a registered household to the day-mode roster, with no standing order yet.
    function _addDayMember(address account, uint8 supplier, uint24 importLimitWh, uint24 exportLimitWh) internal {
        uint32 member = _dayBook.memberCount;
        if (member >= MAX_DAY_MEMBERS) revert DayRosterFull(MAX_DAY_MEMBERS);
        _dayBook.memberCount = member + 1;
        _dayBook.members[member] = DayMemberWords.pack(account, supplier, importLimitWh, exportLimitWh);
        _dayBook.memberOf[account] = member + 1;
        emit DayMemberAdded(account, member);
    }

    // ============================================================================================ ledger

    /// @notice Deposits `amount` euro (approved beforehand). Repays any debt to the supplier first.
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @notice Deposits with an EIP-2612 permit instead of a prior approval.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external nonReentrant {
        // A front-run permit makes this call fail; the allowance it set still lets the transfer through.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(config().token).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(msg.sender, amount);
    }

    /// @notice Withdraws `amount` of the caller's free balance. Open while the market is paused.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert LedgerZeroAmount();
        AccountSlot slot = _ledger.slotOf(msg.sender);
        AccountWord a = slot.load();
        uint256 free = a.free();
        if (free < amount) revert LedgerInsufficientFree(msg.sender, amount, free);
        slot.store(a.withFree(free - amount));
        emit Withdrawn(msg.sender, amount);
        IERC20(config().token).safeTransfer(msg.sender, amount);
    }

    /// @dev Credits what actually arrived (a token that takes a fee on transfer credits less than `amount`); repays
    ///      the depositor's debt to their supplier first.
    function _deposit(address account, uint256 amount) internal {
        if (amount == 0) revert LedgerZeroAmount();
        IERC20 euro = IERC20(config().token);
        uint256 before = euro.balanceOf(address(this));
        euro.safeTransferFrom(account, address(this), amount);
        uint256 received = euro.balanceOf(address(this)) - before;
        if (received == 0) revert LedgerZeroAmount();
        uint256 credit = received;
        AccountSlot slot = _ledger.slotOf(account);
        AccountWord a = slot.load();
        if (a.inDebt()) {
            uint256 repaid;
            (a, repaid) = _ledger.repayDebt(account, a, credit);
            credit -= repaid;
            address creditor = _ledger.supplierAccount[_ledger.participants[account].supplier];
            _ledger.credit(creditor, repaid);
            emit DebtRepaid(account, creditor, repaid);
        }
        slot.store(a.withFree(a.free() + credit));
        emit Deposited(account, received);
    }

    // ========================================================================================= intervals

    /// @notice Opens `count` consecutive intervals from `first` (interval id = unix time / 900) for bidding.
    ///         Its tariff is the latest epoch whose notice has run by the interval's start. It can open only once
    ///         the last interval of its bid ring slot (BID_RING intervals apart), whose bid storage it reuses, is
    ///         settled or refunded.
    function openIntervals(uint32 first, uint32 count) external onlyRole(OPERATOR_ROLE) {
        _requireSettlement(SettlementMode.Interval);
        uint16 latest = tariffEpoch;
        uint40 latestStartsAt = tariffEpochStartsAt;
        uint32 gateLead = config().gateLeadSeconds;
        for (uint32 id = first; id < first + count; ++id) {
            // an announced epoch applies from its start on; only the latest can still be ahead (one at a time)
            uint16 epoch = uint256(id) * INTERVAL_SECONDS < latestStartsAt ? latest - 1 : latest;
            Interval storage iv = _intervals[id].info;
            if (iv.phase != Phase.None) revert IntervalWrongPhase(id, iv.phase);
            // the ring slot's last interval must be done with its bids: settled, or refunded
            BidRingSlot storage ring = _ringOf(id);
            uint32 owner = ring.interval;
            if (owner != 0) {
                Phase p = _intervals[owner].info.phase;
                if (p != Phase.Settled && p != Phase.Refunded) revert IntervalRingBusy(id, owner);
            }
            ring.interval = id;
            uint40 gate = uint40(uint256(id) * INTERVAL_SECONDS - gateLead);
            if (gate <= block.timestamp) revert IntervalGateInPast(id, gate, block.timestamp);
            iv.phase = Phase.Open;
            iv.tariffEpoch = epoch;
            iv.gateClosesAt = gate;
            emit IntervalOpened(id, epoch, gate);
        }
    }

    // ============================================================================================== bids

    /// @notice Places a bid for an open interval from the participant's own wallet. A buy bid locks its
    ///         worst-case cost (limit price plus LEM charges) from the free balance.
    function placeBid(uint32 interval, Side side, uint24 wh, uint32 price)
        external
        whenNotPaused
        returns (uint32 bidIndex)
    {
        bidIndex = MarketRelay.placeBid(
            _requireBiddable(interval), _ringOf(interval), _ledger, _tariffs, interval, _intervalBidCap(), side, wh, price
        );
    }

    /// @notice Submits EIP-712 signed bids for one interval on behalf of their signers (gasless for households), as
    ///         one batch. Anyone may relay. Each signer's nonce must be their next one, in the order given.
    function submitSignedBids(uint32 interval, MarketRelay.SignedBid[] calldata signed) external whenNotPaused {
        MarketRelay.submitSignedBids(
            _requireBiddable(interval), _ringOf(interval), _ledger, _tariffs, _batchContext(interval), signed
        );
    }

    /// @notice Cancels a direct bid and releases its lock to its owner: the caller's own bid before gate closure,
    ///         anyone's once the interval is refunding.
    function cancelBid(uint32 interval, uint32 bidIndex) external {
        MarketRelay.cancelBid(_intervals[interval], _ringOf(interval), _ledger, _tariffs, interval, bidIndex);
    }

    /// @notice Cancels the relayed bid at `position` of `batch` (handed back as placed, with earlier cancellations)
    ///         and releases its lock to its owner: the caller's own bid before gate closure, anyone's once refunding.
    function cancelSignedBid(uint32 interval, BidBatch calldata batch, uint32 position) external {
        MarketRelay.cancelSignedBid(_intervals[interval], _ringOf(interval), _ledger, _tariffs, interval, batch, position);
    }

    /// @notice Starts the refund of an interval not billed REFUND_AFTER after its gate closed (phase Open to Billing:
    ///         no money of it has moved). From then on anyone may cancel its bids, each buy bid's lock going back to its
    ///         owner; it is Refunded once no buy bid is left. Anyone may call, also while the market is paused.
    function refund(uint32 interval) external {
        Interval storage iv = _intervals[interval].info;
        Phase phase = iv.phase;
        if (phase == Phase.None || phase > Phase.Billing) revert IntervalWrongPhase(interval, phase);
        uint256 due = uint256(iv.gateClosesAt) + REFUND_AFTER;
        if (block.timestamp < due) revert IntervalRefundNotDue(interval, due, block.timestamp);
        bool done = iv.buyCount == 0;
        iv.phase = done ? Phase.Refunded : Phase.Refunding;
        emit IntervalRefunding(interval);
        if (done) emit IntervalRefunded(interval);
    }

    // ========================================================================================== clearing

    /// @notice Commits the next page of one side's sorted order: sells ascending by price, buys descending,
    ///         ties by bid index. `order` names each bid by an OrderRef: a direct bid by its index, a relayed bid
    ///         (top bit set) by its position in the concatenated bids of `batches` (the relayed batches holding the
    ///         page's bids, as placed, with cancellations). The contract checks the batches against their digests, the
    ///         order, and that no bid is ordered twice; anyone may call once the gate has closed.
    function submitOrder(uint32 interval, Side side, BidBatch[] calldata batches, OrderRef[] calldata order)
        external
        whenNotPaused
    {
        MarketClearing.submitOrder(
            _intervals[interval], _ringOf(interval), interval, config().orderPageSize, side, batches, order
        );
    }

    /// @notice Commits both sides' whole sorted orders, prices the interval and emits its trades, in one
    ///         transaction (cheaper than `submitOrder` pages and `clear` when the bids fit one transaction).
    ///         Orders name bids as in `submitOrder`, `batches` holding every relayed bid named. Anyone may call once
    ///         the gate has closed. `sellPos` = NO_TRADE when nothing matches.
    function orderAndClear(
        uint32 interval,
        BidBatch[] calldata batches,
        OrderRef[] calldata sellOrder,
        OrderRef[] calldata buyOrder,
        uint32 sellPos,
        uint32 buyPos
    ) external whenNotPaused {
        MarketClearing.orderAndClear(
            _intervals[interval],
            _ringOf(interval),
            interval,
            config().orderPageSize,
            batches,
            sellOrder,
            buyOrder,
            sellPos,
            buyPos
        );
    }

    /// @notice Prices the interval and emits its trades pair by pair.
    /// @dev First call (both sides fully ordered): the caller names the marginal pair by its positions in the
    ///      sorted orders (`sellPos` = NO_TRADE if nothing matches) and supplies the committed pages holding
    ///      positions 0..marginal+1 as needed; the contract checks that the greedy merge stops exactly there.
    ///      Every call then emits trades from where the last stopped, as far as the supplied pages reach.
    function clear(
        uint32 interval,
        uint32 sellPos,
        uint32 buyPos,
        OrderPage[] calldata sellPages,
        OrderPage[] calldata buyPages
    ) external whenNotPaused {
        MarketClearing.clear(_intervals[interval], interval, sellPos, buyPos, sellPages, buyPages);
    }

    // ========================================================================================== metering

    /// @notice Posts a page of meter readings (net import and export Wh) for a cleared interval. Meter role.
    function postReadings(uint32 interval, Reading[] calldata readings) external onlyRole(METER_ROLE) {
        MarketBilling.postReadings(_intervals[interval], _ledger.participants, interval, readings);
    }

    /// @notice Declares the interval's readings complete. Meter role.
    function finishMetering(uint32 interval) external onlyRole(METER_ROLE) {
        IntervalState storage st = _intervals[interval];
        // An interval may have no readings only if nobody traded (no bills to issue).
        if (st.info.phase != Phase.Metering) revert IntervalWrongPhase(interval, st.info.phase);
        st.info.phase = Phase.Metered;
        emit MeteringFinished(interval, st.billing.meterPages);
    }

    // =========================================================================================== billing

    /// @notice Bills the participants of one meter page, in page order. Operator role. The caller hands in the page's
    ///         committed readings (ReadingWord each), the participants with bids and no reading whose
    ///         address falls in this page's range (after the previous page's last, before this page's last unless it is
    ///         the last page), and where each billed participant's bids stand in the committed orders; the contract
    ///         checks that every filled Wh and every lock is accounted for once the last page is billed.
    function bill(uint32 interval, uint16 meterPage, BillingInput calldata input) external onlyRole(OPERATOR_ROLE) {
        MarketBilling.bill(_intervals[interval], _ledger.participants, _tariffs, interval, meterPage, input);
    }

    /// @notice Bills and settles an interval metered in a single page, in one transaction (cheaper than `bill`
    ///         then `settle`). Operator role. The caller hands in the committed (packed) readings, the participants
    ///         with bids and no reading, and the committed order pages (sells through the marginal pair, every buy
    ///         page); each participant's fills are read from the orders. All totals are checked before anything
    ///         commits.
    function billAndSettle(uint32 interval, BillingInput calldata input) external onlyRole(OPERATOR_ROLE) nonReentrant {
        MarketBilling.billAndSettle(_intervals[interval], _ledger, _tariffs, _settlementContext(interval, 0), input);
    }

    /// @notice Discards the bills issued so far for an interval still being billed (no money has moved).
    ///         Operator role. Auditors ignore BillsIssued events of the interval before BillingRestarted.
    function restartBilling(uint32 interval) external onlyRole(OPERATOR_ROLE) {
        IntervalState storage st = _intervals[interval];
        if (st.info.phase != Phase.Billing) revert IntervalWrongPhase(interval, st.info.phase);
        BillingState storage bs = st.billing;
        bs.billedPages = 0;
        bs.billedSoldWh = 0;
        bs.billedBoughtWh = 0;
        bs.releasedLockUnits = 0;
        emit BillingRestarted(interval);
    }

    // ======================================================================================== settlement

    /// @notice Settles one page of bills, in page order: releases locks, pays sellers and fee recipients,
    ///         charges the grid residual (recording what cannot be paid as owed to the supplier). Anyone may call.
    function settle(uint32 interval, uint16 page, Bill[] calldata bills) external nonReentrant {
        MarketSettlement.settle(_intervals[interval], _ledger, _tariffs, _settlementContext(interval, page), bills);
    }

    // ============================================================================================== days

    /// @notice Sets the caller's standing order (day mode): in every interval of the days opened from now on it sells
    ///         its metered export for no less than `floor` and buys its metered import for no more than `cap`
    ///         (µEUR/kWh, P2P price; zero: not on that side). Bounded as bids are: FiT < floor < EP (and a confirmed
    ///         metering point), cap < EP and cap + LEM charges < ToU, by the tariff of the next day to open.
    function setStandingOrder(uint24 floor, uint24 cap) external whenNotPaused {
        _requireSettlement(SettlementMode.Day);
        MarketDays.setStandingOrder(_dayBook, _tariffs, _dayClock(), msg.sender, floor, cap);
    }

    /// @notice Opens `count` consecutive days from `first` (day mode), each before it starts and after the last day
    ///         opened: the members registered by now trade in them. Day d starts with interval d × 96 + day start slot.
    function openDays(uint32 first, uint32 count) external onlyRole(OPERATOR_ROLE) {
        _requireSettlement(SettlementMode.Day);
        MarketDays.openDays(_dayBook, _dayClock(), first, count);
    }

    /// @notice Posts the next page of an ended day's readings (day mode): for each member from the last page's end, 96
    ///         readings of two big-endian bytes (top bit: export, low 15 bits: Wh), within its registered limits. A
    ///         member the meter has no data for is posted as zeros. Meter role.
    function postDayReadings(uint32 day, bytes calldata readings) external onlyRole(METER_ROLE) {
        MarketDays.postReadings(_dayBook, config().dayStartSlot, day, readings);
    }

    /// @notice Settles a metered day with each interval's marginal pair (DayClearingWord), given its meter pages from
    ///         `firstPage` (day mode). A day of at most 200 members (MarketDays.MAX_ONE_TRANSACTION_MEMBERS) is verified
    ///         and settled in one pass when every page is handed in at once; a larger day in steps, each of consecutive
    ///         pages: first verified against the claimed clearing (the pass kept between transactions under the claim's
    ///         hash; the last page checks the claim), then settled with the verified clearing, each member's day into
    ///         one ledger movement. Anyone may call, once every earlier day opened is settled or void. Verifying waits while the
    ///         market is paused; settling a verified day does not, so a day whose settlement has begun is always
    ///         finished.
    function settleDay(uint32 day, uint16 firstPage, DayPage[] calldata pages, DayClearingWord[] calldata clearing)
        external
        nonReentrant
    {
        MarketDays.settleDay(
            _dayBook, _ledger, _tariffs, _dayClock(), _dayPayees(), paused(), day, firstPage, pages, clearing
        );
    }

    /// @notice Posts an ended day's readings (every member's, one page) and settles the day with `clearing` in one
    ///         transaction (day mode): what `postDayReadings` then `settleDay` do, for less. Meter role.
    function postAndSettleDay(uint32 day, bytes calldata readings, DayClearingWord[] calldata clearing)
        external
        onlyRole(METER_ROLE)
        whenNotPaused
        nonReentrant
    {
        MarketDays.postAndSettleDay(_dayBook, _ledger, _tariffs, _dayClock(), _dayPayees(), day, readings, clearing);
    }

    /// @notice Voids the next day to settle if it is still not settled DAY_VOID_AFTER after its end (day mode): none of
    ///         its money moves, and later days may settle. Anyone may call, also while the market is paused.
    function voidDay(uint32 day) external {
        MarketDays.voidDay(_dayBook, config().dayStartSlot, day);
    }

    // ============================================================================================= views

    /// @notice A day's phase, tariff epoch, roster size, how many members have readings, and in how many pages.
    function dayOf(uint32 day) external view returns (DayInfo memory) {
        DayState storage d = _dayBook.dayStates[day];
        return DayInfo(d.phase, d.tariffEpoch, d.members, d.readMembers, d.meterPages);
    }

    /// @notice The roster size, the last day opened and the next day to settle (0: none).
    function dayCalendar() external view returns (uint32 members, uint32 lastOpened, uint32 nextToSettle) {
        return (_dayBook.memberCount, _dayBook.lastOpened, _dayBook.nextToSettle);
    }

    /// @notice A member as a meter page of `day` commits it (DayPartyWord: account, supplier, and the order in force that
    ///         day, the floor zero without a confirmed metering point): what a clearer computes the day from.
    function dayPartyOf(uint32 day, uint32 member) external view returns (DayPartyWord party) {
        (party,) = MarketDays.partyOf(_dayBook, day, member);
    }

    /// @notice A day-mode member's roster word (DayMemberWord: account, standing order from `sinceDay`, supplier,
    ///         metering point confirmed, limits).
    function memberAt(uint32 member) external view returns (DayMemberWord) {
        return _dayBook.members[member];
    }

    /// @notice The member index of a day-mode household, and whether it is one.
    function memberIndexOf(address account) external view returns (bool isMember, uint32 member) {
        uint32 plusOne = _dayBook.memberOf[account];
        return (plusOne != 0, plusOne == 0 ? 0 : plusOne - 1);
    }

    /// @notice The interval that contains `timestamp` (unix seconds / 900).
    function intervalAt(uint256 timestamp) external pure returns (uint32) {
        return (timestamp / INTERVAL_SECONDS).toUint32();
    }

    /// @notice A participant's registration (class None if not registered).
    function participantOf(address account) external view returns (Participant memory) {
        return _ledger.participants[account];
    }

    /// @notice An account's free and locked balance, its next signed-bid nonce, its bid tally of the latest interval
    ///         it bid in, and whether it owes grid charges.
    function accountOf(address account) external view returns (Account memory) {
        AccountWord w = _ledger.account(account);
        return Account(
            uint96(w.free()),
            uint96(w.lockedUnits() * MarketMath.WEI_PER_UNIT),
            w.bidNonce(),
            w.tallyInterval(),
            w.tallyBids(),
            w.tallySoldWh(),
            w.tallyBoughtWh(),
            w.inDebt()
        );
    }

    /// @notice Grid charges `participant` could not pay at settlement, owed to their supplier.
    function owed(address participant) external view returns (uint256) {
        return _ledger.participants[participant].owed;
    }

    /// @notice The account that receives a supplier's income and pays its feed-in.
    function supplierAccount(uint8 supplier) external view returns (address) {
        return _ledger.supplierAccount[supplier];
    }

    /// @notice Feed-in a supplier's account could not pay at settlement, to be repaid from its next income.
    function supplierShortfall(uint8 supplier) external view returns (uint256) {
        return _ledger.supplierShortfall[supplier];
    }

    /// @notice An interval's phase, tariff epoch, bid counts, gate time and locked worst-case cost.
    function intervalOf(uint32 interval) external view returns (Interval memory) {
        return _intervals[interval].info;
    }

    /// @notice One direct bid of an interval (side None: cancelled, relayed, never placed, or its storage since reused).
    function bidOf(uint32 interval, uint32 bidIndex) external view returns (Bid memory b) {
        b = _ringOf(interval).bids[bidIndex];
        if (b.interval != interval || bidIndex >= _intervals[interval].info.bidCount) {
            b = Bid(address(0), Side.None, 0, 0, interval);
        }
    }

    /// @notice The stored digest of a relayed batch of bids (MarketMath.batchDigest of the interval, the batch's first bid
    ///         index and its words, cancelled bids with side None); zero if the interval has no such batch.
    function bidBatchDigest(uint32 interval, uint32 batch) external view returns (bytes32) {
        return batch < _intervals[interval].info.batchCount ? _ringOf(interval).batches[batch] : bytes32(0);
    }

    /// @notice Clearing progress and outcome of an interval.
    function clearingOf(uint32 interval) external view returns (ClearingState memory) {
        return _intervals[interval].clearing;
    }

    /// @notice Metering, billing and settlement progress of an interval.
    function billingOf(uint32 interval) external view returns (BillingState memory) {
        return _intervals[interval].billing;
    }

    /// @notice A supplier's tariff in an epoch.
    function tariffOf(uint8 supplier, uint16 epoch) external view returns (Tariff memory) {
        return _tariffs[supplier][epoch];
    }

    /// @notice The EIP-712 domain separator for signed bids.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ========================================================================================== internal

    /// @notice The community's fixed configuration, read from the clone's code.
    ///         The clone's arguments are packed (MarketFactory.createCommunity): token 20 bytes | supplier count 1 |
    ///         gate lead 4 | day start slot 1 | order page size 2 | settlement mode 1.
    function config() public view returns (MarketConfig memory c) {
        bytes memory args = Clones.fetchCloneArgs(address(this));
        uint256 word;
        assembly ("memory-safe") {
            word := mload(add(args, 0x20))
        }
        c.token = address(uint160(word >> 96));
        c.supplierCount = uint8(word >> 88);
        c.gateLeadSeconds = uint32(word >> 56);
        c.dayStartSlot = uint8(word >> 48);
        c.orderPageSize = uint16(word >> 32);
        c.settlement = SettlementMode(uint8(word >> 24));
    }

    /// @notice The settlement euro.
    function token() external view returns (IERC20) {
        return IERC20(config().token);
    }

    /// @notice How many suppliers the community has.
    function supplierCount() external view returns (uint8) {
        return config().supplierCount;
    }

    /// @dev The most live bids an interval of this community takes.
    function _intervalBidCap() internal view returns (uint32) {
        uint32 pages = MAX_ORDER_PAGES * config().orderPageSize;
        return pages < MAX_INTERVAL_BIDS ? pages : MAX_INTERVAL_BIDS;
    }

    function _requireSettlement(SettlementMode mode) internal view {
        SettlementMode actual = _settlement();
        if (actual != mode) revert MarketWrongSettlementMode(actual);
    }

    /// @dev The settlement mode alone: byte 28 of the clone's arguments, which follow its 45 bytes of code (OpenZeppelin
    ///      Clones' layout, as `config` reads them whole).
    function _settlement() internal view returns (SettlementMode mode) {
        assembly ("memory-safe") {
            extcodecopy(address(), 0x1f, add(0x2d, 28), 1)
            mode := byte(31, mload(0x00))
        }
    }

    function _dayPayees() internal view returns (MarketDays.Payees memory) {
        return MarketDays.Payees(platform, taxCollector, networkOperator, config().supplierCount);
    }

    function _dayClock() internal view returns (MarketDays.Clock memory) {
        return MarketDays.Clock(tariffEpoch, tariffEpochStartsAt, config().dayStartSlot);
    }

    function _batchContext(uint32 interval) internal view returns (MarketRelay.Batch memory) {
        return MarketRelay.Batch(interval, _domainSeparatorV4(), config().supplierCount, _intervalBidCap());
    }

    function _requireSupplier(uint8 supplier) internal view {
        uint8 count = config().supplierCount;
        if (supplier >= count) revert MarketUnknownSupplier(supplier, count);
    }

    /// @dev The bid ring slot that holds an interval's bids.
    function _ringOf(uint32 interval) internal view returns (BidRingSlot storage) {
        return _bidRing[interval % BID_RING];
    }

    function _requireBiddable(uint32 interval) internal view returns (IntervalState storage st) {
        st = _intervals[interval];
        Interval storage iv = st.info;
        if (iv.phase != Phase.Open) revert IntervalWrongPhase(interval, iv.phase);
        if (block.timestamp >= iv.gateClosesAt) revert IntervalGateClosed(interval, iv.gateClosesAt, block.timestamp);
    }

    function _settlementContext(uint32 interval, uint16 page) internal view returns (MarketSettlement.Context memory) {
        MarketConfig memory c = config();
        return MarketSettlement.Context(
            interval,
            page,
            _intervals[interval].clearing.price,
            c.dayStartSlot,
            c.supplierCount,
            platform,
            taxCollector,
            networkOperator
        );
    }

    function _requireFeeRecipients(address platform_, address taxCollector_, address networkOperator_) internal pure {
        if (platform_ == address(0) || taxCollector_ == address(0) || networkOperator_ == address(0)) {
            revert MarketZeroAddress();
        }
    }

    /// @dev An announced change (`announced` is zero when there is none) may be applied once its notice has run.
    function _requireNoticeRun(address announced, uint40 effectiveAt) internal view {
        if (announced == address(0)) revert MarketNoChangeAnnounced();
        if (block.timestamp < effectiveAt) revert MarketNoticeRunning(effectiveAt, block.timestamp);
    }

    function _setFeeRecipients(address platform_, address taxCollector_, address networkOperator_) internal {
        _requireFeeRecipients(platform_, taxCollector_, networkOperator_);
        platform = platform_;
        taxCollector = taxCollector_;
        networkOperator = networkOperator_;
        emit FeeRecipientsSet(platform_, taxCollector_, networkOperator_);
    }

    function _setSupplierAccount(uint8 supplier, address account) internal {
        if (account == address(0)) revert MarketZeroAddress();
        _ledger.supplierAccount[supplier] = account;
        emit SupplierAccountSet(supplier, account);
    }

    function _setTariff(uint8 supplier, uint16 epoch, Tariff calldata t) internal {
        MarketTariffs.set(_tariffs, supplier, epoch, t);
    }
}
