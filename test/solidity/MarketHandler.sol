// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EuroToken} from "../../contracts/EuroToken.sol";
import {IKiezMarketErrors as E} from "../../contracts/IKiezMarket.sol";
import {KiezMarket} from "../../contracts/KiezMarket.sol";
import {MarketFactory} from "../../contracts/MarketFactory.sol";
import {MarketMath} from "../../contracts/MarketMath.sol";
import {MarketRelay} from "../../contracts/MarketRelay.sol";
import {OrderRef, OrderRefs} from "../../contracts/OrderRef.sol";
import {
    Account,
    Bid,
    BidBatch,
    BidRefs,
    Bill,
    BillingInput,
    ClearingState,
    Interval,
    MarketInit,
    SettlementMode,
    OrderPage,
    Phase,
    Reading,
    Side,
    Tariff
} from "../../contracts/MarketTypes.sol";
import {BidWord, BidWords, BillWord, OrderEntries, OrderEntry, ReadingWord, ReadingWords, SignedTerms, SignedTermsWords} from "../../contracts/MarketWords.sol";
import {Vm} from "./Vm.sol";

/// @notice Drives a market with random actions for the invariant tests, as households, a relayer, the clearer, the
///         meter, the operator, the admin and an adversary would, and keeps ghost records of what must never happen.
///         Intervals overlap (up to two open at once, run in either order), orders and readings go in several pages,
///         billing is restarted, the market is paused, tariffs change, a supplier runs out of float, and households
///         place dust bids, go unread or are read twice. Every market call that may be refused is made in a try: a
///         refusal it expects is counted (`refusals`), any other revert is `unexpectedReverts` (an invariant holds it
///         at zero); the handler's own code never reverts (the invariant runs fail on any revert).
contract MarketHandler {
    /// @dev A live bid as the handler sorts it (the committed page holds it as an OrderEntry word).
    struct SortedBid {
        uint32 bidIndex;
        address participant;
        uint24 wh;
        uint32 price;
    }

    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant ACTORS = 6;
    uint256 internal constant WEI = 1e9;
    /// @dev Small order pages, so that every interval with more than three bids a side is ordered in pages.
    uint16 internal constant ORDER_PAGE = 3;
    uint24 internal constant LIMIT_WH = 5_000;

    EuroToken public token;
    KiezMarket public market;
    address public admin = address(0xA11CE);
    address public operator = address(0x0FE);
    address public meter = address(0x3E7E);
    address public relayer = address(0x5E1A);
    /// @dev Households in ascending order of address (as readings are posted), each with its signing key.
    address[] public actors;
    mapping(address => uint256) internal _keyOf;
    /// @dev The market's EIP-712 domain separator, for signing relayed bids.
    bytes32 internal _domain;
    address[] public feeAccounts;
    address[2] public suppliers;

    /// @dev Open intervals, oldest first (one or two).
    uint32[] public live;
    /// @dev Every interval opened, in order: the liveness invariant checks each one that is no longer live.
    uint32[] public opened;
    mapping(uint32 interval => BidBatch[]) internal _batches;

    // what the runs did (the fixed-sequence tests check each happens)
    uint256 public intervalsSettled;
    uint256 public intervalsRefunded;
    uint256 public intervalsRunOutOfOrder;
    uint256 public unmeteredBilled;
    uint256 public relayedPlaced;
    uint256 public relayedSkipped;
    uint256 public relayedCancelled;
    uint256 public pagedOrders;
    uint256 public pagedMeterings;
    uint256 public billingRestarts;
    uint256 public pausedRefusals;
    uint256 public tariffEpochsAnnounced;
    uint256 public duplicateReadingsRefused;
    uint256 public dustRefused;
    uint256 public suppliersDrained;
    uint256 public matchedTotal;
    /// @dev Calls the market refused as the handler expected (limits, order of intervals, pause, notices, adversary).
    uint256 public refusals;

    // ghost records: each must stay zero
    uint256 public unexpectedReverts;
    bytes public lastUnexpected;
    uint256 public buyFilledAboveLimit;
    uint256 public sellFilledBelowLimit;
    uint256 public p2pImbalance;
    uint256 public phaseWentBack;
    uint256 public settledTwice;

    constructor() {
        token = new EuroToken(admin);
        MarketFactory factory = new MarketFactory(address(new KiezMarket()));
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 key = uint256(keccak256(abi.encode("household", i)));
            address a = vm.addr(key);
            _keyOf[a] = key;
            actors.push(a);
        }
        _sortActors();
        for (uint256 i = 0; i < 3; ++i) feeAccounts.push(address(uint160(0x2000 + i)));
        suppliers = [address(0x2003), address(0x2004)];
        address[] memory supplierAccounts = new address[](2);
        supplierAccounts[0] = suppliers[0];
        supplierAccounts[1] = suppliers[1];
        market = KiezMarket(
            factory.createCommunity(
                "invariants",
                MarketInit(
                    admin,
                    operator,
                    meter,
                    address(token),
                    feeAccounts[0],
                    feeAccounts[1],
                    feeAccounts[2],
                    supplierAccounts,
                    _tariffs(0),
                    300,
                    92,
                    ORDER_PAGE,
                    SettlementMode.Interval
                )
            )
        );
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = market.eip712Domain();
        _domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifying
            )
        );
        vm.warp(1_700_000_000);
        for (uint256 i = 0; i < ACTORS; ++i) {
            address a = actors[i];
            // the two lowest addresses are consumers, the others prosumers
            vm.prank(a);
            market.register(i < 2 ? 1 : uint8(2 + (i % 2)), uint8(i % 2), LIMIT_WH, i < 2 ? 0 : LIMIT_WH);
            vm.prank(meter);
            market.confirmMeteringPoint(a, uint64(1_000 + i));
            _fund(a, 50 ether);
        }
        _fund(suppliers[0], 100 ether);
        _fund(suppliers[1], 100 ether);
        _openNext();
    }

    // ------------------------------------------------------------------------------------ household actions

    /// @notice The oldest open interval.
    function interval() external view returns (uint32) {
        return live[0];
    }

    function deposit(uint256 actorSeed, uint256 amount) external {
        _fund(actors[actorSeed % ACTORS], 1 + (amount % 20 ether));
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address a = actors[actorSeed % ACTORS];
        uint256 free = market.accountOf(a).free;
        if (free == 0) return;
        vm.prank(a);
        try market.withdraw(1 + (amount % free)) {} catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    /// @notice A direct bid in one of the open intervals; now and then a dust bid (below the minimum), which must be
    ///         refused, as must a bid past the household's limits, for an earlier interval than its last, or in a pause.
    function placeBid(uint256 actorSeed, bool sell, uint256 wh, uint256 price) external {
        uint256 i = actorSeed % ACTORS;
        uint32 id = live[(actorSeed / ACTORS) % live.length];
        if (sell && i < 2) sell = false; // consumers only buy
        Tariff memory t = _tariffOf(actors[i], id);
        uint32 p = _price(t, sell, price);
        bool dust = wh % 23 == 0;
        uint24 energy = dust ? uint24(1 + (wh % 9)) : uint24(10 + (wh % 4_991));
        Account memory acct = market.accountOf(actors[i]);
        if (!sell && acct.free < MarketMath.buyLockUnits(t, energy, p) * WEI) return;
        vm.prank(actors[i]);
        try market.placeBid(id, sell ? Side.Sell : Side.Buy, energy, p) {
            if (dust) ++unexpectedReverts; // a dust bid was taken
        } catch (bytes memory reason) {
            if (bytes4(reason) == E.BidBelowMinimum.selector) ++dustRefused;
            _bidRefused(reason);
        }
    }

    /// @notice A relayer submits a batch of one to three signed bids for one open interval, each from another
    ///         household; now and then one of them reuses a nonce already spent (it must be skipped, not sink the
    ///         batch).
    function relayBids(uint256 seed, uint256 count) external {
        uint32 id = live[seed % live.length];
        uint256 n = 1 + (count % 3);
        MarketRelay.SignedBid[] memory batch = new MarketRelay.SignedBid[](n);
        uint256 made;
        bool replay = seed % 5 == 0;
        for (uint256 k = 0; k < n; ++k) {
            address a = actors[(seed / 7 + k) % ACTORS];
            Account memory acct = market.accountOf(a);
            bool sell = (seed >> (k + 8)) & 1 == 1 && (seed / 7 + k) % ACTORS >= 2;
            Tariff memory t = _tariffOf(a, id);
            uint32 p = _price(t, sell, seed >> (k * 16));
            uint24 energy = uint24(10 + ((seed >> (k * 12)) % 400));
            // only bids the market takes: within the tally's limits, in order of intervals, affordable
            if (acct.tallyInterval > id || (acct.tallyInterval == id && acct.tallyBids >= 7)) continue;
            uint256 soFar = acct.tallyInterval == id ? (sell ? acct.tallySoldWh : acct.tallyBoughtWh) : 0;
            if (soFar + energy > LIMIT_WH) continue;
            if (!sell && acct.free < MarketMath.buyLockUnits(t, energy, p) * WEI) continue;
            uint32 nonce = replay && made == 0 && acct.bidNonce > 0 ? acct.bidNonce - 1 : acct.bidNonce;
            batch[made++] = _signed(a, id, sell, energy, p, nonce);
        }
        if (made == 0) return;
        assembly ("memory-safe") {
            mstore(batch, made)
        }
        vm.recordLogs();
        vm.prank(relayer);
        try market.submitSignedBids(id, batch) {
            _recordBatches(id, vm.getRecordedLogs());
        } catch (bytes memory reason) {
            _bidRefused(reason);
        }
    }

    function cancelBid(uint256 bidSeed) external {
        uint32 id = live[bidSeed % live.length];
        uint32 count = market.intervalOf(id).bidCount;
        if (count == 0) return;
        uint32 idx = uint32((bidSeed / 2) % count);
        Bid memory b = market.bidOf(id, idx);
        if (b.side == Side.None || b.interval != id) return; // a relayed bid, or cancelled
        vm.prank(b.participant);
        try market.cancelBid(id, idx) {} catch (bytes memory reason) {
            _cancelRefused(reason);
        }
    }

    /// @notice A household cancels one of its relayed bids, handing its batch back.
    function cancelRelayed(uint256 seed) external {
        uint32 id = live[seed % live.length];
        BidBatch[] storage batches = _batches[id];
        if (batches.length == 0) return;
        BidBatch storage b = batches[(seed / 2) % batches.length];
        uint32 pos = uint32((seed / 64) % b.bids.length);
        BidWord word = b.bids[pos];
        if (word.side() == Side.None) return;
        vm.prank(word.participant());
        try market.cancelSignedBid(id, b, pos) {
            b.bids[pos] = word.cancelled();
            ++relayedCancelled;
        } catch (bytes memory reason) {
            _cancelRefused(reason);
        }
    }

    // ------------------------------------------------------------------------------------ operator and admin

    /// @notice Opens the interval after the newest open one, so that two intervals take bids at once.
    function openAhead() external {
        if (live.length != 1) return;
        uint32 id = opened[opened.length - 1] + 1;
        vm.prank(operator);
        try market.openIntervals(id, 1) {
            live.push(id);
            opened.push(id);
        } catch (bytes memory reason) {
            // the next interval's gate may have passed already
            if (bytes4(reason) == E.IntervalGateInPast.selector) ++refusals;
            else _unexpected(reason);
        }
    }

    function togglePause() external {
        bool paused = market.paused();
        vm.prank(admin);
        if (paused) market.unpause();
        else market.pause();
    }

    /// @notice The admin announces a new tariff epoch; a second one while one is pending must be refused.
    function announceTariffs(uint256 seed) external {
        vm.prank(admin);
        try market.setTariffs(_tariffs(seed % 4)) {
            ++tariffEpochsAnnounced;
        } catch (bytes memory reason) {
            if (bytes4(reason) == E.TariffChangePending.selector) ++refusals;
            else _unexpected(reason);
        }
    }

    /// @notice Time passes: up to a month, so that announced tariffs take effect for the intervals opened after.
    function skipDays(uint256 days_) external {
        vm.warp(block.timestamp + (1 + (days_ % 31)) * 1 days);
    }

    /// @notice A supplier withdraws its whole float: its feed-in payments then become its recorded shortfall.
    function drainSupplier(uint256 seed) external {
        address s = suppliers[seed % 2];
        uint256 free = market.accountOf(s).free;
        if (free == 0) return;
        vm.prank(s);
        market.withdraw(free);
        ++suppliersDrained;
    }

    /// @notice Closes the gate of one open interval (either one, so intervals settle out of order) and runs it to
    ///         settlement: orders in pages, random readings in one to three meter pages (some households unread, one
    ///         read twice and refused), billed in one transaction or page by page (now and then restarted).
    function runInterval(uint256 seed) external {
        uint256 which = (seed >> 32) % live.length;
        uint32 id = live[which];
        if (which != 0) ++intervalsRunOutOfOrder;
        _toGate(id);
        if (market.paused()) {
            // ordering and clearing stop in a pause; the admin lifts it
            try market.submitOrder(id, Side.Sell, new BidBatch[](0), new OrderRef[](0)) {
                ++unexpectedReverts;
            } catch (bytes memory reason) {
                _refusedUnlessPaused(reason);
            }
            vm.prank(admin);
            market.unpause();
        }
        (OrderPage[] memory sellPages, OrderPage[] memory buyPages, SortedBid[] memory sells, SortedBid[] memory buys) =
            _order(id);
        if (!_ok(id, Phase.Cleared)) return;
        ClearingState memory cs = market.clearingOf(id);
        matchedTotal += cs.matchedWh;
        _checkLimits(cs, sells, buys);

        (Reading[][] memory pages, address[][] memory unmetered) = _readings(seed, sells, buys);
        for (uint256 k = 0; k < pages.length; ++k) {
            vm.prank(meter);
            try market.postReadings(id, pages[k]) {} catch (bytes memory reason) {
                _unexpected(reason);
                return;
            }
            if (k == 0 && pages.length > 1) _readAgain(id, pages[0][pages[0].length - 1]);
        }
        if (pages.length > 1) ++pagedMeterings;
        vm.prank(meter);
        market.finishMetering(id);
        _bill(id, seed, pages, unmetered, sells, buys, sellPages, buyPages);
        _end(id);
        ++intervalsSettled;
    }

    /// @notice Lets one open interval go unbilled (its meter silent, its operator gone) until REFUND_AFTER has passed,
    ///         then refunds it as anyone may: every bid, direct and relayed, cancelled by a stranger.
    function stallInterval(bool clearFirst) external {
        uint32 id = live[0];
        _toGate(id);
        if (clearFirst && !market.paused()) {
            _order(id);
            if (!_ok(id, Phase.Cleared)) return;
        }
        vm.warp(block.timestamp + market.REFUND_AFTER());
        try market.refund(id) {} catch (bytes memory reason) {
            _unexpected(reason);
            return;
        }
        // anyone cancels its bids; once the last buy is cancelled (every lock released) it is Refunded
        uint32 count = market.intervalOf(id).bidCount;
        for (uint32 i = 0; i < count && market.intervalOf(id).phase == Phase.Refunding; ++i) {
            Bid memory b = market.bidOf(id, i);
            if (b.side != Side.None) market.cancelBid(id, i);
        }
        BidBatch[] storage batches = _batches[id];
        for (uint256 j = 0; j < batches.length; ++j) {
            for (uint32 k = 0; k < batches[j].bids.length && market.intervalOf(id).phase == Phase.Refunding; ++k) {
                BidWord word = batches[j].bids[k];
                if (word.side() == Side.None) continue;
                market.cancelSignedBid(id, batches[j], k);
                batches[j].bids[k] = word.cancelled();
            }
        }
        _checkPhase(id, Phase.Refunded);
        _end(id);
        ++intervalsRefunded;
    }

    // ------------------------------------------------------------------------------------ views for invariants

    /// @notice Σ free + Σ locked over every account the market could owe.
    function ledgerTotal() external view returns (uint256 total) {
        for (uint256 i = 0; i < ACTORS; ++i) {
            Account memory a = market.accountOf(actors[i]);
            total += uint256(a.free) + a.locked;
        }
        for (uint256 i = 0; i < feeAccounts.length; ++i) {
            Account memory a = market.accountOf(feeAccounts[i]);
            total += uint256(a.free) + a.locked;
        }
        for (uint256 i = 0; i < 2; ++i) {
            Account memory a = market.accountOf(suppliers[i]);
            total += uint256(a.free) + a.locked;
        }
    }

    /// @notice What the suppliers could not pay at settlement: owed to the market, not held in the token.
    function shortfallTotal() external view returns (uint256) {
        return market.supplierShortfall(0) + market.supplierShortfall(1);
    }

    /// @notice How many intervals no longer open are neither Settled nor Refunded (must stay 0).
    function unfinished() external view returns (uint256 count) {
        for (uint256 i = 0; i < opened.length; ++i) {
            uint32 id = opened[i];
            if (_isLive(id)) continue;
            Phase p = market.intervalOf(id).phase;
            if (p != Phase.Settled && p != Phase.Refunded) ++count;
        }
    }

    // ------------------------------------------------------------------------------------ internals

    function _fund(address a, uint256 amount) internal {
        vm.prank(admin);
        token.mint(a, amount);
        vm.prank(a);
        token.approve(address(market), amount);
        vm.prank(a);
        market.deposit(amount);
    }

    function _openNext() internal {
        uint32 id = uint32(block.timestamp / 900) + 2;
        if (opened.length != 0 && id <= opened[opened.length - 1]) id = opened[opened.length - 1] + 1;
        vm.prank(operator);
        market.openIntervals(id, 1);
        live.push(id);
        opened.push(id);
    }

    /// @dev Takes an interval off the open list; opens the next once none is open.
    function _end(uint32 id) internal {
        uint256 n = live.length;
        for (uint256 i = 0; i < n; ++i) {
            if (live[i] != id) continue;
            for (uint256 j = i; j + 1 < n; ++j) live[j] = live[j + 1];
            live.pop();
            break;
        }
        if (live.length == 0) _openNext();
    }

    function _isLive(uint32 id) internal view returns (bool) {
        for (uint256 i = 0; i < live.length; ++i) if (live[i] == id) return true;
        return false;
    }

    function _toGate(uint32 id) internal {
        uint40 gate = market.intervalOf(id).gateClosesAt;
        if (block.timestamp < gate) vm.warp(gate);
    }

    /// @dev Tariffs of both suppliers; `variant` moves the energy price (and ToU with it) by a few cents.
    function _tariffs(uint256 variant) internal pure returns (Tariff[] memory tariffs) {
        uint24 step = uint24(variant * 2_000);
        tariffs = new Tariff[](2);
        tariffs[0] = Tariff(170_000 + step, 124_170, 30_600, 89_300, 82_000, 10_000, 35_000, 94_300, 312_329);
        tariffs[1] = Tariff(165_000 + step, 124_170, 35_000, 89_300, 82_000, 10_000, 38_000, 94_300, 300_000);
    }

    function _tariffOf(address a, uint32 id) internal view returns (Tariff memory) {
        return market.tariffOf(market.participantOf(a).supplier, market.intervalOf(id).tariffEpoch);
    }

    /// @dev A price the market takes for the side: FiT < ask < EP; 0 < bid < EP with bid + LEM charges < ToU.
    function _price(Tariff memory t, bool sell, uint256 seed) internal pure returns (uint32) {
        if (sell) return uint32(t.feedInTariff + 1 + (seed % (t.energyPrice - t.feedInTariff - 1)));
        uint256 maxBid = MarketMath.timeOfUse(t) - MarketMath.lemCharges(t) - 1;
        if (maxBid >= t.energyPrice) maxBid = t.energyPrice - 1;
        return uint32(1 + (seed % maxBid));
    }

    function _signed(address a, uint32 id, bool sell, uint24 wh, uint32 price, uint32 nonce)
        internal
        view
        returns (MarketRelay.SignedBid memory)
    {
        uint8 side = sell ? uint8(Side.Sell) : uint8(Side.Buy);
        uint64 deadline = uint64(block.timestamp + 1 days);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Bid(uint32 interval,uint8 side,uint24 wh,uint32 price,uint32 nonce,uint64 deadline)"),
                id,
                side,
                wh,
                price,
                nonce,
                deadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf[a], keccak256(abi.encodePacked(hex"1901", _domain, structHash)));
        SignedTerms terms = SignedTermsWords.pack(side, wh, price, nonce, deadline);
        return MarketRelay.SignedBid(terms, r, bytes32((uint256(v - 27) << 255) | uint256(s)));
    }

    /// @dev Keeps each relayed batch as placed (from its BidsPlaced event), for ordering and cancelling; counts the
    ///      bids placed and those skipped for a spent nonce.
    function _recordBatches(uint32 id, Vm.Log[] memory logs) internal {
        bytes32 placed = keccak256("BidsPlaced(uint32,uint32,uint32,uint256[])");
        bytes32 skipped = keccak256("SignedBidSkipped(uint32,address,uint32,uint32)");
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == skipped) ++relayedSkipped;
            if (logs[i].topics[0] != placed) continue;
            (uint32 batch, uint32 first, BidWord[] memory bids) = abi.decode(logs[i].data, (uint32, uint32, BidWord[]));
            BidBatch storage b = _batches[id].push();
            b.batch = batch;
            b.firstBidIndex = first;
            b.bids = bids;
            relayedPlaced += bids.length;
        }
    }

    /// @dev Sorts the interval's live bids (direct and relayed), commits each side in pages and clears it.
    function _order(uint32 id)
        internal
        returns (OrderPage[] memory sellPages, OrderPage[] memory buyPages, SortedBid[] memory sells, SortedBid[] memory buys)
    {
        OrderRef[] memory refs;
        (sells, buys, refs) = _sortedBids(id);
        _checkPhase(id, Phase.Open);
        sellPages = _commit(id, Side.Sell, sells, refs);
        buyPages = _commit(id, Side.Buy, buys, refs);
        if (sellPages.length + buyPages.length > 2) ++pagedOrders;
        (uint32 sp, uint32 bp) = _marginal(sells, buys);
        try market.clear(id, sp, bp, sellPages, buyPages) {} catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    /// @dev True when the interval reached `phase`; counts an unexpected revert otherwise (the step before failed).
    function _ok(uint32 id, Phase phase) internal returns (bool) {
        if (uint8(market.intervalOf(id).phase) >= uint8(phase)) return true;
        ++unexpectedReverts;
        return false;
    }

    /// @dev The meter tries to read a household again in a later page: refused (readings ascend across pages).
    function _readAgain(uint32 id, Reading memory again) internal {
        Reading[] memory page = new Reading[](1);
        page[0] = again;
        vm.prank(meter);
        try market.postReadings(id, page) {
            ++unexpectedReverts;
        } catch (bytes memory reason) {
            if (bytes4(reason) == E.MeterReadingsNotAscending.selector) {
                ++refusals;
                ++duplicateReadingsRefused;
            } else {
                _unexpected(reason);
            }
        }
    }

    /// @dev Random readings of the households in address order, in one to three meter pages; some go unread (the
    ///      lowest one never), and those with bids are billed as metering zero with the page whose range holds them.
    function _readings(uint256 seed, SortedBid[] memory sells, SortedBid[] memory buys)
        internal
        view
        returns (Reading[][] memory pages, address[][] memory unmetered)
    {
        Reading[] memory read = new Reading[](ACTORS);
        bool[] memory unread = new bool[](ACTORS);
        uint256 n;
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (i != 0 && (r >> 128) % 4 == 0) {
                BidRefs memory ref = _refsOf(actors[i], sells, buys);
                unread[i] = ref.sellPositions.length + ref.buyPositions.length != 0;
                continue;
            }
            // now and then a sunny interval: nobody imports, prosumers export (the suppliers owe feed-in)
            bool sunny = (seed >> 160) % 2 == 1;
            read[n++] = Reading(actors[i], sunny ? 0 : uint32(r % 4_000), i < 2 ? 0 : uint32((r >> 64) % 4_000));
        }
        uint256 perPage = 1 + (seed >> 64) % 3;
        uint256 count = (n + perPage - 1) / perPage;
        pages = new Reading[][](count);
        unmetered = new address[][](count);
        for (uint256 k = 0; k < count; ++k) {
            uint256 size = k + 1 == count ? n - k * perPage : perPage;
            pages[k] = new Reading[](size);
            for (uint256 j = 0; j < size; ++j) pages[k][j] = read[k * perPage + j];
            unmetered[k] = new address[](ACTORS);
            uint256 u;
            uint160 low = k == 0 ? 0 : uint160(pages[k - 1][pages[k - 1].length - 1].participant);
            uint160 high = k + 1 == count ? type(uint160).max : uint160(pages[k][size - 1].participant);
            for (uint256 i = 0; i < ACTORS; ++i) {
                uint160 a = uint160(actors[i]);
                if (unread[i] && a > low && a < high) unmetered[k][u++] = actors[i];
            }
            address[] memory list = unmetered[k];
            assembly ("memory-safe") {
                mstore(list, u)
            }
        }
    }

    /// @dev The operator bills the interval in one transaction with its settlement (one meter page, every other
    ///      interval), or page by page (now and then restarting after the first page) and then anyone settles each page.
    function _bill(
        uint32 id,
        uint256 seed,
        Reading[][] memory pages,
        address[][] memory unmetered,
        SortedBid[] memory sells,
        SortedBid[] memory buys,
        OrderPage[] memory sellPages,
        OrderPage[] memory buyPages
    ) internal {
        for (uint256 k = 0; k < pages.length; ++k) unmeteredBilled += unmetered[k].length;
        if (pages.length == 1 && seed % 2 == 0) {
            BillingInput memory input = BillingInput(_packed(pages[0]), unmetered[0], new BidRefs[](0), sellPages, buyPages);
            vm.recordLogs();
            vm.prank(operator);
            try market.billAndSettle(id, input) {} catch (bytes memory reason) {
                _unexpected(reason);
                return;
            }
            Bill[] memory fused = _bills(id, vm.getRecordedLogs(), buys);
            _checkBalanced(fused, id);
            _checkPhase(id, Phase.Settled);
            return;
        }
        bool restart = pages.length > 1 && (seed >> 96) % 2 == 0;
        Bill[][] memory billPages = new Bill[][](pages.length);
        uint256 k;
        while (k < pages.length) {
            BillingInput memory input = _billingInput(pages[k], unmetered[k], sells, buys, sellPages, buyPages);
            vm.recordLogs();
            vm.prank(operator);
            try market.bill(id, uint16(k), input) {} catch (bytes memory reason) {
                _unexpected(reason);
                return;
            }
            billPages[k] = _bills(id, vm.getRecordedLogs(), buys);
            if (restart && k == 0) {
                // the operator restarts billing before the last page (say, a reading corrected) and bills again
                vm.prank(operator);
                market.restartBilling(id);
                ++billingRestarts;
                restart = false;
                continue;
            }
            ++k;
        }
        uint256 total;
        for (uint256 k = 0; k < pages.length; ++k) total += billPages[k].length;
        Bill[] memory all = new Bill[](total);
        uint256 at;
        for (uint256 k = 0; k < pages.length; ++k) {
            for (uint256 j = 0; j < billPages[k].length; ++j) all[at++] = billPages[k][j];
        }
        _checkBalanced(all, id);
        for (uint256 k = 0; k < pages.length; ++k) {
            try market.settle(id, uint16(k), billPages[k]) {} catch (bytes memory reason) {
                _unexpected(reason);
                return;
            }
        }
        _checkPhase(id, Phase.Settled);
        try market.settle(id, 0, billPages[0]) {
            ++settledTwice;
        } catch {}
    }

    function _checkBalanced(Bill[] memory bills, uint32 id) internal {
        uint256 sold;
        uint256 bought;
        for (uint256 i = 0; i < bills.length; ++i) {
            sold += bills[i].p2pSoldWh;
            bought += bills[i].p2pBoughtWh;
        }
        if (sold != bought || sold != market.clearingOf(id).matchedWh) ++p2pImbalance;
    }

    function _billingInput(
        Reading[] memory page,
        address[] memory unmetered,
        SortedBid[] memory sells,
        SortedBid[] memory buys,
        OrderPage[] memory sellPages,
        OrderPage[] memory buyPages
    ) internal view returns (BillingInput memory input) {
        BidRefs[] memory refs = new BidRefs[](page.length + unmetered.length);
        for (uint256 j = 0; j < page.length; ++j) refs[j] = _refsOf(page[j].participant, sells, buys);
        for (uint256 j = 0; j < unmetered.length; ++j) refs[page.length + j] = _refsOf(unmetered[j], sells, buys);
        input = BillingInput(_packed(page), unmetered, refs, sellPages, buyPages);
    }

    function _packed(Reading[] memory page) internal view returns (ReadingWord[] memory words) {
        words = new ReadingWord[](page.length);
        for (uint256 j = 0; j < page.length; ++j) {
            Reading memory r = page[j];
            words[j] = ReadingWords.pack(r.participant, market.participantOf(r.participant).supplier, r.importWh, r.exportWh);
        }
    }

    /// @dev A bid the market may refuse: past the household's limits, for an earlier interval than its last, below the
    ///      minimum, after the gate (time was skipped), or in a pause.
    function _bidRefused(bytes memory reason) internal {
        bytes4 s = bytes4(reason);
        if (
            s == E.BidBelowMinimum.selector || s == E.BidEnergyAboveLimit.selector || s == E.BidCountAboveLimit.selector
                || s == E.BidIntervalBehind.selector || s == E.IntervalGateClosed.selector
        ) {
            ++refusals;
        } else {
            _refusedUnlessPaused(reason);
        }
    }

    /// @dev A household's cancellation is refused once the gate has closed (time was skipped).
    function _cancelRefused(bytes memory reason) internal {
        if (bytes4(reason) == E.IntervalGateClosed.selector) ++refusals;
        else _unexpected(reason);
    }

    function _refusedUnlessPaused(bytes memory reason) internal {
        if (bytes4(reason) == bytes4(keccak256("EnforcedPause()"))) {
            ++refusals;
            ++pausedRefusals;
        } else {
            _unexpected(reason);
        }
    }

    function _unexpected(bytes memory reason) internal {
        ++unexpectedReverts;
        lastUnexpected = reason;
    }

    function _sortActors() internal {
        for (uint256 i = 1; i < actors.length; ++i) {
            address x = actors[i];
            uint256 j = i;
            while (j > 0 && uint160(actors[j - 1]) > uint160(x)) {
                actors[j] = actors[j - 1];
                --j;
            }
            actors[j] = x;
        }
    }

    function _checkPhase(uint32 id, Phase expected) internal {
        Phase actual = market.intervalOf(id).phase;
        if (uint8(actual) < uint8(expected)) ++phaseWentBack;
    }

    /// @dev The interval's live bids, direct and relayed, sorted, with the reference an order names each by (a direct
    ///      bid's index; a relayed one's position among all the interval's batches handed back), by bid index.
    function _sortedBids(uint32 id)
        internal
        view
        returns (SortedBid[] memory sells, SortedBid[] memory buys, OrderRef[] memory refs)
    {
        Interval memory iv = market.intervalOf(id);
        sells = new SortedBid[](iv.sellCount);
        buys = new SortedBid[](iv.buyCount);
        refs = new OrderRef[](iv.bidCount);
        uint256 s;
        uint256 b;
        for (uint32 i = 0; i < iv.bidCount; ++i) {
            Bid memory bid = market.bidOf(id, i);
            if (bid.interval != id) continue; // a relayed bid's index
            refs[i] = OrderRefs.direct(i);
            if (bid.side == Side.Sell) sells[s++] = SortedBid(i, bid.participant, bid.wh, bid.price);
            else if (bid.side == Side.Buy) buys[b++] = SortedBid(i, bid.participant, bid.wh, bid.price);
        }
        BidBatch[] storage batches = _batches[id];
        uint32 offset;
        for (uint256 j = 0; j < batches.length; ++j) {
            BidWord[] storage words = batches[j].bids;
            for (uint32 k = 0; k < words.length; ++k) {
                BidWord w = words[k];
                uint32 index = batches[j].firstBidIndex + k;
                refs[index] = OrderRefs.handedBack(offset + k);
                SortedBid memory e = SortedBid(index, w.participant(), w.wh(), w.price());
                if (w.side() == Side.Sell) sells[s++] = e;
                else if (w.side() == Side.Buy) buys[b++] = e;
            }
            offset += uint32(words.length);
        }
        _insertionSort(sells, Side.Sell);
        _insertionSort(buys, Side.Buy);
    }

    function _insertionSort(SortedBid[] memory e, Side side) internal pure {
        for (uint256 i = 1; i < e.length; ++i) {
            SortedBid memory x = e[i];
            uint64 key = MarketMath.sortKey(side, x.price, x.bidIndex);
            uint256 j = i;
            while (j > 0 && MarketMath.sortKey(side, e[j - 1].price, e[j - 1].bidIndex) > key) {
                e[j] = e[j - 1];
                --j;
            }
            e[j] = x;
        }
    }

    /// @dev Commits one side's order in pages of ORDER_PAGE entries (every page but the last full), handing back
    ///      every relayed batch of the interval.
    function _commit(uint32 id, Side side, SortedBid[] memory entries, OrderRef[] memory refs)
        internal
        returns (OrderPage[] memory pages)
    {
        uint256 count = (entries.length + ORDER_PAGE - 1) / ORDER_PAGE;
        pages = new OrderPage[](count);
        BidBatch[] memory handed = _batches[id];
        uint64 cum;
        for (uint256 k = 0; k < count; ++k) {
            uint256 start = k * ORDER_PAGE;
            uint256 size = entries.length - start < ORDER_PAGE ? entries.length - start : ORDER_PAGE;
            OrderRef[] memory order = new OrderRef[](size);
            OrderEntry[] memory packed = new OrderEntry[](size);
            uint64 startCum = cum;
            for (uint256 i = 0; i < size; ++i) {
                SortedBid memory e = entries[start + i];
                order[i] = refs[e.bidIndex];
                packed[i] = OrderEntries.pack(e.bidIndex, e.participant, e.wh, e.price);
                cum += e.wh;
            }
            try market.submitOrder(id, side, handed, order) {} catch (bytes memory reason) {
                _unexpected(reason);
            }
            pages[k] = OrderPage(uint16(k), uint32(start), startCum, packed);
        }
    }

    /// @dev The reference greedy merge, written independently of the contract.
    function _marginal(SortedBid[] memory sells, SortedBid[] memory buys) internal pure returns (uint32, uint32) {
        uint256 i;
        uint256 j;
        uint256 sLeft = sells.length > 0 ? sells[0].wh : 0;
        uint256 bLeft = buys.length > 0 ? buys[0].wh : 0;
        uint32 sp = type(uint32).max;
        uint32 bp;
        while (i < sells.length && j < buys.length && buys[j].price >= sells[i].price) {
            uint256 q = sLeft < bLeft ? sLeft : bLeft;
            sp = uint32(i);
            bp = uint32(j);
            sLeft -= q;
            bLeft -= q;
            if (sLeft == 0 && ++i < sells.length) sLeft = sells[i].wh;
            if (bLeft == 0 && ++j < buys.length) bLeft = buys[j].wh;
        }
        return (sp, bp);
    }

    function _checkLimits(ClearingState memory cs, SortedBid[] memory sells, SortedBid[] memory buys) internal {
        uint64 cum;
        for (uint256 i = 0; i < sells.length; ++i) {
            if (MarketMath.fill(cs.matchedWh, cum, sells[i].wh) > 0 && sells[i].price > cs.price) ++sellFilledBelowLimit;
            cum += sells[i].wh;
        }
        cum = 0;
        for (uint256 i = 0; i < buys.length; ++i) {
            if (MarketMath.fill(cs.matchedWh, cum, buys[i].wh) > 0 && buys[i].price < cs.price) ++buyFilledAboveLimit;
            cum += buys[i].wh;
        }
    }

    function _refsOf(address who, SortedBid[] memory sells, SortedBid[] memory buys)
        internal
        pure
        returns (BidRefs memory r)
    {
        r.sellPositions = _positions(who, sells);
        r.buyPositions = _positions(who, buys);
    }

    function _positions(address who, SortedBid[] memory e) internal pure returns (uint32[] memory out) {
        uint256 n;
        for (uint256 i = 0; i < e.length; ++i) if (e[i].participant == who) ++n;
        out = new uint32[](n);
        n = 0;
        for (uint256 i = 0; i < e.length; ++i) if (e[i].participant == who) out[n++] = uint32(i);
    }

    /// @dev The bills of the BillsIssued events among `logs`, completed with supplier and released locks as the
    ///      driver does.
    function _bills(uint32 id, Vm.Log[] memory logs, SortedBid[] memory buys) internal view returns (Bill[] memory bills) {
        BillWord[] memory words = _billWords(logs);
        bills = new Bill[](words.length);
        uint16 epoch = market.intervalOf(id).tariffEpoch;
        for (uint256 i = 0; i < words.length; ++i) {
            bills[i] = _billOf(words[i], epoch, buys);
        }
    }

    /// @dev The packed bills of every BillsIssued event among `logs`, in order.
    function _billWords(Vm.Log[] memory logs) internal pure returns (BillWord[] memory words) {
        bytes32 topic = keccak256("BillsIssued(uint32,uint16,bytes)");
        bytes memory all;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] != topic) continue;
            (, bytes memory page) = abi.decode(logs[i].data, (uint16, bytes));
            all = bytes.concat(all, page);
        }
        words = new BillWord[](all.length / 32);
        for (uint256 k = 0; k < words.length; ++k) {
            BillWord w;
            assembly ("memory-safe") {
                w := mload(add(add(all, 32), mul(k, 32)))
            }
            words[k] = w;
        }
    }

    /// @dev One packed bill of a BillsIssued event as a Bill, its released locks summed from the participant's buys.
    function _billOf(BillWord w, uint16 epoch, SortedBid[] memory buys) internal view returns (Bill memory) {
        address who = w.participant();
        uint8 supplier = market.participantOf(who).supplier;
        Tariff memory t = market.tariffOf(supplier, epoch);
        uint64 lock;
        for (uint256 j = 0; j < buys.length; ++j) {
            if (buys[j].participant == who) lock += MarketMath.buyLockUnits(t, buys[j].wh, buys[j].price);
        }
        int32 grid = w.grid();
        (uint32 gridIn, uint32 gridOut) = grid > 0 ? (uint32(grid), uint32(0)) : (uint32(0), uint32(-int32(grid)));
        return Bill(who, supplier, w.boughtWh(), w.soldWh(), gridIn, gridOut, lock);
    }
}
