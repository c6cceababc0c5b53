// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {BidWord, OrderEntry, ReadingWord} from "./MarketWords.sol";

// Units (README, "How the market works"): energy in Wh, prices in µEUR per kWh, money in token wei (18 decimals).
// Wh × µEUR/kWh = 1e-9 EUR = 1e9 wei, so `amount = Wh × price × 1e9` is exact. Sums of Wh × price are
// kept as "units" and turned into wei only when balances move.

/// @notice What a participant is: a consumer buys only; prosumers sell or buy by their net position.
enum ParticipantClass {
    None,
    Consumer,
    Pv,
    PvBattery
}

enum Side {
    None, // a cancelled bid
    Sell,
    Buy
}

/// @notice An interval's lifecycle only moves forward, in this order. Gate closure is a time, not a phase:
///         an Open interval whose gate time has passed takes no bids and may be cleared.
enum Phase {
    None,
    Open,
    Clearing,
    Cleared,
    Metering,
    Metered,
    Billing,
    Billed,
    Settling,
    Settled,
    // the way out of an interval not billed in time (KiezMarket.refund): anyone cancels its bids, every lock released
    Refunding,
    Refunded
}

/// @notice Tariff of one supplier in one epoch, per-kWh components in µEUR/kWh (up to 16.77 EUR/kWh each),
///         packed in one slot. ToU = energyPrice + levies + supplierMargin + networkFee. In the LEM a buyer
///         pays the P2P price + platformFee + levies + lemSupplierMargin + lemNetworkFee.
struct Tariff {
    uint24 energyPrice; // EP
    uint24 levies; // RT: EEG, taxes, levies (RT_LEM = RT)
    uint24 supplierMargin; // ESM
    uint24 networkFee; // SOM
    uint24 feedInTariff; // FiT
    uint24 platformFee; // LEM
    uint24 lemSupplierMargin; // ESM_LEM >= ESM
    uint24 lemNetworkFee; // SOM_LEM >= SOM
    uint64 dailyChargeMicroEur; // billed in the interval that starts a day
}

/// @notice A registration, one slot. `meteringPoint` is the household's metering point as the meter role confirmed it
///         (or the admin's onboarding set it), 0 until then: only a metered household may sell.
struct Participant {
    ParticipantClass class;
    uint8 supplier;
    uint24 importLimitWh; // per interval
    uint24 exportLimitWh; // per interval
    uint64 meteringPoint;
    /// grid charges the participant could not pay at settlement, owed to their supplier: kept in the registration's
    /// slot (written anyway at registration) so that recording a debt rewrites a used slot instead of filling a new one
    uint128 owed;
}

/// @notice What the admin's onboarding registers for a household (a registration without its debt).
struct ParticipantProfile {
    ParticipantClass class;
    uint8 supplier;
    uint24 importLimitWh;
    uint24 exportLimitWh;
    uint64 meteringPoint;
}

/// @notice An account as `accountOf` shows it; stored packed in one slot (AccountWord, contracts/AccountWord.sol).
///         `locked` backs open buy bids (wei); `bidNonce` is the next nonce of the participant's EIP-712 signed bids;
///         the tally is what the participant has bid in `tallyInterval`, the latest interval they bid in;
///         `inDebt` says that the registration's `owed` holds grid charges the participant could not pay.
struct Account {
    uint96 free;
    uint96 locked;
    uint32 bidNonce;
    uint32 tallyInterval;
    uint8 tallyBids;
    uint32 tallySoldWh;
    uint32 tallyBoughtWh;
    bool inDebt;
}

/// @dev One slot: a bid placed directly from the participant's wallet. Bid storage is a ring reused every
///      BID_RING intervals, so `interval` says whose bid it is.
struct Bid {
    address participant;
    Side side;
    uint24 wh;
    uint32 price;
    uint32 interval;
}

/// @notice The signed bids of one relayed submission. The market stores only the batch's digest
///         (MarketMath.batchDigest); its bids are in the BidsPlaced event and are handed back by whoever orders
///         the interval or cancels one of them. Each bid is one word (BidWord, contracts/MarketWords.sol); a
///         cancelled bid keeps its word with side None. The bid at position k has bid index `firstBidIndex + k`.
struct BidBatch {
    uint32 batch;
    uint32 firstBidIndex;
    BidWord[] bids;
}

/// @dev One slot, written when the interval opens and by every bid or batch of bids.
struct Interval {
    Phase phase;
    uint16 tariffEpoch;
    uint32 bidCount;
    uint32 sellCount;
    uint32 buyCount;
    uint40 gateClosesAt;
    uint64 lockUnits; // Σ worst-case cost of the interval's live buy bids, in units (Wh × µEUR/kWh)
    uint32 batchCount;
}

/// @dev Progress of the clearing of one interval.
struct ClearingState {
    // ordering: the caller hands in each side in sorted order; the contract checks it and commits it page by page
    uint32 sellsOrdered;
    uint32 buysOrdered;
    uint16 sellPages;
    uint16 buyPages;
    uint64 lastSellKey;
    uint64 lastBuyKey;
    // totals and the verified outcome
    uint64 sellCumWh;
    uint64 buyCumWh;
    uint64 matchedWh;
    uint32 price;
    bool priced;
    // trade emission cursor
    uint64 tradedWh;
    uint32 tradeSellPos;
    uint32 tradeBuyPos;
}

/// @notice A page of one side's sorted order, as committed by `submitOrder`. `startPos` is the position of its
///         first entry in the side's sorted order; `cumStartWh` the Wh of all entries before it; `entries` its bids,
///         one word each (OrderEntry, contracts/MarketWords.sol), to keep calldata and hashing small.
struct OrderPage {
    uint16 page;
    uint32 startPos;
    uint64 cumStartWh;
    OrderEntry[] entries;
}

/// @notice A meter reading as the meter posts it: net import and export of the interval, Wh.
struct Reading {
    address participant;
    uint32 importWh;
    uint32 exportWh;
}

/// @notice Where a participant's bids stand in the sorted orders (strictly increasing positions).
struct BidRefs {
    uint32[] sellPositions;
    uint32[] buyPositions;
}

/// @notice What billing hands in for one meter page: its committed readings (ReadingWord: each with the supplier of
///         the household's registration when it was posted), the
///         participants with bids on the interval who have no reading (billed as metering zero: a seller's shortfall is
///         then bought from the grid), and for the paged `bill` each billed participant's bid positions (readings'
///         first, then the unmetered ones'); then the committed order pages the bills read.
struct BillingInput {
    ReadingWord[] readings;
    address[] unmetered;
    BidRefs[] refs;
    OrderPage[] sellPages;
    OrderPage[] buyPages;
}

/// @notice A participant's bill for one interval. Money follows from these quantities, the clearing price and
///         the tariff (MarketSettlement.settleBill; the engine's lemBill), so anyone can recompute it.
struct Bill {
    address participant;
    uint8 supplier;
    uint32 p2pBoughtWh;
    uint32 p2pSoldWh;
    uint32 gridImportWh;
    uint32 gridExportWh;
    uint64 lockReleasedUnits;
}

/// @dev Progress of metering, billing and settlement of one interval.
struct BillingState {
    uint16 meterPages;
    uint16 billedPages;
    uint16 settledPages;
    uint64 billedSoldWh;
    uint64 billedBoughtWh;
    uint64 releasedLockUnits;
    // P2P money passes through the interval's pool: buyers pay in, sellers are paid out
    uint128 poolIn;
    uint128 poolOut;
}

/// @notice Everything the market keeps of one interval, under one storage pointer (as Uniswap v4 keeps a pool in
///         `Pool.State`): its header, the progress of its clearing and of its metering, billing and settlement, and the
///         digests of the pages committed along the way.
struct IntervalState {
    Interval info;
    ClearingState clearing;
    BillingState billing;
    mapping(Side side => mapping(uint16 page => bytes32 digest)) orderPageDigest;
    mapping(uint16 page => bytes32 digest) meterPageDigest;
    /// the last (highest) participant of each meter page: readings ascend by address across an interval's pages, so
    /// each household is metered at most once and an unmetered one can be shown to be so
    mapping(uint16 page => address participant) meterPageLast;
    mapping(uint16 page => bytes32 digest) billPageDigest;
}

/// @notice One slot of the bid ring (KiezMarket.BID_RING): the direct bids and relayed batch digests of the interval
///         that owns it, reused by the interval BID_RING later once this one is settled or refunded.
struct BidRingSlot {
    uint32 interval;
    mapping(uint32 bidIndex => Bid) bids;
    mapping(uint32 batch => bytes32 digest) batches;
}

struct MarketInit {
    address admin;
    address operator;
    address meter;
    address token;
    address platform;
    address taxCollector;
    address networkOperator;
    address[] suppliers; // each supplier's account; index = supplier id
    Tariff[] tariffs; // same order as suppliers
    uint32 gateLeadSeconds; // bids close this long before the interval starts
    uint8 dayStartSlot; // interval % 96 that starts a local day (92 for CET midnight)
    uint16 orderPageSize; // entries of every committed order page but a side's last (1 to MAX_ORDER_PAGE; 400 by default)
    SettlementMode settlement; // interval by interval, or a day at a time (fixed for the community's life)
}

/// @notice Fixed for the life of a community: kept in the clone's code (immutable args), not in storage.
struct MarketConfig {
    address token;
    uint8 supplierCount;
    uint32 gateLeadSeconds;
    uint8 dayStartSlot;
    uint16 orderPageSize;
    SettlementMode settlement;
}

/// @notice How a community trades and settles, chosen at its creation. `Interval`: households bid quantities for each
///         15-minute interval ahead of its gate, and every interval is cleared, metered, billed and settled on its own.
///         `Day`: households keep standing limit prices; after a day, its metered net positions are matched interval by
///         interval (the same uniform-price auction) and the whole day is verified and settled in one pass (MarketDays).
enum SettlementMode {
    Interval,
    Day
}

/// @notice A day-mode day's lifecycle, forward only. Days settle one after another (DayBook.nextToSettle); a day not
///         settled DAY_VOID_AFTER after its end is void (no money of it moves; no lock exists in day mode).
enum DayPhase {
    None,
    Open,
    Metering,
    Metered,
    Verified,
    Settling,
    Settled,
    Void
}
