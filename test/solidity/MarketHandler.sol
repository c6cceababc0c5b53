// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EuroToken} from "../../contracts/EuroToken.sol";
import {KiezMarket} from "../../contracts/KiezMarket.sol";
import {MarketFactory} from "../../contracts/MarketFactory.sol";
import {MarketMath} from "../../contracts/MarketMath.sol";
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
    OrderEntry,
    OrderPage,
    Phase,
    Reading,
    Side,
    Tariff
} from "../../contracts/MarketTypes.sol";
import {Vm} from "./Vm.sol";

/// @notice Drives a market with random actions for the invariant tests, and keeps ghost records of what
///         must never happen. Full intervals are run the way the off-chain driver runs them: sort, commit the
///         order, name the marginal pair, meter, bill, settle.
contract MarketHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant ACTORS = 6;
    uint256 internal constant WEI = 1e9;

    EuroToken public token;
    KiezMarket public market;
    address public admin = address(0xA11CE);
    address public operator = address(0x0FE);
    address public meter = address(0x3E7E);
    address[] public actors;
    address[] public feeAccounts;

    uint32 public interval;
    uint32 public lastSettled;
    uint256 public intervalsSettled;
    uint256 public intervalsRefunded;
    uint256 public unmeteredBilled;
    /// @dev Every interval opened, in order: the liveness invariant checks each one before the open one has ended.
    uint32[] public opened;
    uint256 public matchedTotal;

    // ghost records: each must stay zero
    uint256 public buyFilledAboveLimit;
    uint256 public sellFilledBelowLimit;
    uint256 public p2pImbalance;
    uint256 public phaseWentBack;
    uint256 public settledTwice;

    constructor() {
        token = new EuroToken(admin);
        MarketFactory factory = new MarketFactory(address(new KiezMarket()));
        for (uint256 i = 0; i < ACTORS; ++i) actors.push(address(uint160(0x1000 + i)));
        for (uint256 i = 0; i < 5; ++i) feeAccounts.push(address(uint160(0x2000 + i)));
        address[] memory suppliers = new address[](2);
        suppliers[0] = feeAccounts[3];
        suppliers[1] = feeAccounts[4];
        Tariff[] memory tariffs = new Tariff[](2);
        tariffs[0] = Tariff(170_000, 124_170, 30_600, 89_300, 82_000, 10_000, 35_000, 94_300, 312_329);
        tariffs[1] = Tariff(165_000, 124_170, 35_000, 89_300, 82_000, 10_000, 38_000, 94_300, 300_000);
        market = KiezMarket(
            factory.createCommunity(
                "invariants",
                MarketInit(admin, operator, meter, address(token), feeAccounts[0], feeAccounts[1], feeAccounts[2], suppliers, tariffs, 300, 92, 400)
            )
        );
        vm.warp(1_700_000_000);
        for (uint256 i = 0; i < ACTORS; ++i) {
            address a = actors[i];
            vm.prank(a);
            market.register(i < 2 ? 1 : uint8(2 + (i % 2)), uint8(i % 2), 5_000, i < 2 ? 0 : 5_000);
            vm.prank(meter);
            market.confirmMeteringPoint(a, uint64(1_000 + i));
            _fund(a, 50 ether);
        }
        _fund(suppliers[0], 100 ether);
        _fund(suppliers[1], 100 ether);
        _openNext();
    }

    // ------------------------------------------------------------------------------------ actions

    function deposit(uint256 actorSeed, uint256 amount) external {
        address a = actors[actorSeed % ACTORS];
        _fund(a, 1 + (amount % 20 ether));
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address a = actors[actorSeed % ACTORS];
        uint256 free = market.accountOf(a).free;
        if (free == 0) return;
        vm.prank(a);
        market.withdraw(1 + (amount % free));
    }

    function placeBid(uint256 actorSeed, bool sell, uint256 wh, uint256 price) external {
        uint256 i = actorSeed % ACTORS;
        if (sell && i < 2) sell = false; // consumers only buy
        Tariff memory t = market.tariffOf(uint8(i % 2), 0);
        uint32 p;
        if (sell) {
            p = uint32(t.feedInTariff + 1 + (price % (t.energyPrice - t.feedInTariff - 1)));
        } else {
            uint256 maxBid = MarketMath.timeOfUse(t) - MarketMath.lemCharges(t) - 1;
            if (maxBid >= t.energyPrice) maxBid = t.energyPrice - 1;
            p = uint32(1 + (price % maxBid));
        }
        uint24 energy = uint24(1 + (wh % 5_000));
        Account memory acct = market.accountOf(actors[i]);
        if (!sell && acct.free < MarketMath.buyLockUnits(t, energy, p) * WEI) return;
        vm.prank(actors[i]);
        market.placeBid(interval, sell ? Side.Sell : Side.Buy, energy, p);
    }

    function cancelBid(uint256 bidSeed) external {
        uint32 count = market.intervalOf(interval).bidCount;
        if (count == 0) return;
        uint32 idx = uint32(bidSeed % count);
        Bid memory b = market.bidOf(interval, idx);
        if (b.side == Side.None) return;
        vm.prank(b.participant);
        market.cancelBid(interval, idx);
    }

    /// @notice Closes the gate and runs the interval to settlement, with random meter readings.
    function runInterval(uint256 readingSeed) external {
        uint32 id = interval;
        vm.warp(market.intervalOf(id).gateClosesAt);
        (OrderEntry[] memory sells, OrderEntry[] memory buys) = _sortedBids(id);
        _checkPhase(id, Phase.Open);
        OrderPage[] memory sellPages = _commit(id, Side.Sell, sells);
        OrderPage[] memory buyPages = _commit(id, Side.Buy, buys);
        (uint32 sp, uint32 bp) = _marginal(sells, buys);
        market.clear(id, sp, bp, sellPages, buyPages);
        _checkPhase(id, Phase.Cleared);
        ClearingState memory cs = market.clearingOf(id);
        matchedTotal += cs.matchedWh;
        _checkLimits(cs, sells, buys);

        (Reading[] memory readings, uint256[] memory metered, address[] memory unmetered, BidRefs[] memory refs) =
            _readings(readingSeed, sells, buys);
        vm.prank(meter);
        market.postReadings(id, readings);
        vm.prank(meter);
        market.finishMetering(id);
        _checkPhase(id, Phase.Metered);
        vm.recordLogs();
        // half the intervals take the one-transaction path, half bill and settle separately
        bool oneTransaction = readingSeed % 2 == 0;
        unmeteredBilled += unmetered.length;
        _bill(id, oneTransaction, BillingInput(metered, unmetered, refs, sellPages, buyPages));
        _checkPhase(id, oneTransaction ? Phase.Settled : Phase.Billed);
        Bill[] memory bills = _billsFromLogs(id, buys);
        uint256 sold;
        uint256 bought;
        for (uint256 i = 0; i < bills.length; ++i) {
            sold += bills[i].p2pSoldWh;
            bought += bills[i].p2pBoughtWh;
        }
        if (sold != bought || sold != cs.matchedWh) ++p2pImbalance;
        if (!oneTransaction) market.settle(id, 0, bills);
        _checkPhase(id, Phase.Settled);
        try market.settle(id, 0, bills) {
            ++settledTwice;
        } catch {}
        lastSettled = id;
        ++intervalsSettled;
        _openNext();
    }

    /// @notice Lets the interval go unbilled (its meter silent, its operator gone) until REFUND_AFTER has passed, then
    ///         refunds it as anyone may: every bid cancelled by a stranger, every lock back to its owner.
    function stallInterval(bool clearFirst) external {
        uint32 id = interval;
        vm.warp(market.intervalOf(id).gateClosesAt);
        if (clearFirst) {
            (OrderEntry[] memory sells, OrderEntry[] memory buys) = _sortedBids(id);
            OrderPage[] memory sellPages = _commit(id, Side.Sell, sells);
            OrderPage[] memory buyPages = _commit(id, Side.Buy, buys);
            (uint32 sp, uint32 bp) = _marginal(sells, buys);
            market.clear(id, sp, bp, sellPages, buyPages);
        }
        vm.warp(block.timestamp + market.REFUND_AFTER());
        market.refund(id);
        uint32 count = market.intervalOf(id).bidCount;
        for (uint32 i = 0; i < count; ++i) {
            if (market.bidOf(id, i).side != Side.None) market.cancelBid(id, i);
        }
        _checkPhase(id, Phase.Refunded);
        ++intervalsRefunded;
        _openNext();
    }

    /// @dev Random readings, each household in turn (ascending addresses); some households go unread (actor 0 always
    ///      is), and those with bids are billed as metering zero, after the readings.
    function _readings(uint256 seed, OrderEntry[] memory sells, OrderEntry[] memory buys)
        internal
        view
        returns (Reading[] memory readings, uint256[] memory metered, address[] memory unmetered, BidRefs[] memory refs)
    {
        readings = new Reading[](ACTORS);
        metered = new uint256[](ACTORS);
        unmetered = new address[](ACTORS);
        refs = new BidRefs[](ACTORS);
        BidRefs[] memory unmeteredRefs = new BidRefs[](ACTORS);
        uint256 n;
        uint256 u;
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            BidRefs memory ref = _refsOf(actors[i], sells, buys);
            if (i != 0 && (r >> 128) % 4 == 0) {
                if (ref.sellPositions.length + ref.buyPositions.length != 0) {
                    unmetered[u] = actors[i];
                    unmeteredRefs[u++] = ref;
                }
                continue;
            }
            readings[n] = Reading(actors[i], uint32(r % 4_000), i < 2 ? 0 : uint32((r >> 64) % 4_000));
            metered[n] = MarketMath.packReading(actors[i], uint8(i % 2), readings[n].importWh, readings[n].exportWh);
            refs[n++] = ref;
        }
        for (uint256 j = 0; j < u; ++j) refs[n + j] = unmeteredRefs[j];
        uint256 billed = n + u;
        assembly ("memory-safe") {
            mstore(readings, n)
            mstore(metered, n)
            mstore(unmetered, u)
            mstore(refs, billed)
        }
    }

    /// @dev The operator bills the interval: in one transaction with its settlement, or as a bill page.
    function _bill(uint32 id, bool oneTransaction, BillingInput memory input) internal {
        vm.prank(operator);
        if (oneTransaction) {
            input.refs = new BidRefs[](0);
            market.billAndSettle(id, input);
        } else {
            market.bill(id, 0, input);
        }
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
        interval = uint32(block.timestamp / 900) + 2;
        vm.prank(operator);
        market.openIntervals(interval, 1);
        opened.push(interval);
    }

    /// @notice How many intervals opened before the open one are neither Settled nor Refunded (must stay 0).
    function unfinished() external view returns (uint256 count) {
        for (uint256 i = 0; i + 1 < opened.length; ++i) {
            Phase p = market.intervalOf(opened[i]).phase;
            if (p != Phase.Settled && p != Phase.Refunded) ++count;
        }
    }

    function _checkPhase(uint32 id, Phase expected) internal {
        Phase actual = market.intervalOf(id).phase;
        if (uint8(actual) < uint8(expected)) ++phaseWentBack;
    }

    function _sortedBids(uint32 id) internal view returns (OrderEntry[] memory sells, OrderEntry[] memory buys) {
        Interval memory iv = market.intervalOf(id);
        sells = new OrderEntry[](iv.sellCount);
        buys = new OrderEntry[](iv.buyCount);
        uint256 s;
        uint256 b;
        for (uint32 i = 0; i < iv.bidCount; ++i) {
            Bid memory bid = market.bidOf(id, i);
            if (bid.side == Side.Sell) sells[s++] = OrderEntry(i, bid.participant, bid.wh, bid.price);
            else if (bid.side == Side.Buy) buys[b++] = OrderEntry(i, bid.participant, bid.wh, bid.price);
        }
        _insertionSort(sells, Side.Sell);
        _insertionSort(buys, Side.Buy);
    }

    function _insertionSort(OrderEntry[] memory e, Side side) internal pure {
        for (uint256 i = 1; i < e.length; ++i) {
            OrderEntry memory x = e[i];
            uint64 key = MarketMath.sortKey(side, x.price, x.bidIndex);
            uint256 j = i;
            while (j > 0 && MarketMath.sortKey(side, e[j - 1].price, e[j - 1].bidIndex) > key) {
                e[j] = e[j - 1];
                --j;
            }
            e[j] = x;
        }
    }

    function _commit(uint32 id, Side side, OrderEntry[] memory entries) internal returns (OrderPage[] memory pages) {
        if (entries.length == 0) return new OrderPage[](0);
        uint32[] memory idx = new uint32[](entries.length);
        uint256[] memory packed = new uint256[](entries.length);
        for (uint256 i = 0; i < entries.length; ++i) {
            idx[i] = entries[i].bidIndex;
            packed[i] = MarketMath.packEntry(entries[i].bidIndex, entries[i].participant, entries[i].wh, entries[i].price);
        }
        market.submitOrder(id, side, new BidBatch[](0), idx);
        pages = new OrderPage[](1);
        pages[0] = OrderPage(0, 0, 0, packed);
    }

    /// @dev The reference greedy merge, written independently of the contract.
    function _marginal(OrderEntry[] memory sells, OrderEntry[] memory buys) internal pure returns (uint32, uint32) {
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

    function _checkLimits(ClearingState memory cs, OrderEntry[] memory sells, OrderEntry[] memory buys) internal {
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

    function _refsOf(address who, OrderEntry[] memory sells, OrderEntry[] memory buys)
        internal
        pure
        returns (BidRefs memory r)
    {
        r.sellPositions = _positions(who, sells);
        r.buyPositions = _positions(who, buys);
    }

    function _positions(address who, OrderEntry[] memory e) internal pure returns (uint32[] memory out) {
        uint256 n;
        for (uint256 i = 0; i < e.length; ++i) if (e[i].participant == who) ++n;
        out = new uint32[](n);
        n = 0;
        for (uint256 i = 0; i < e.length; ++i) if (e[i].participant == who) out[n++] = uint32(i);
    }

    /// @dev Bills as the BillsIssued events state them, completed with supplier and released locks as the driver does.
    function _billsFromLogs(uint32 id, OrderEntry[] memory buys) internal returns (Bill[] memory bills) {
        uint256[] memory words = _billWords(vm.getRecordedLogs());
        bills = new Bill[](words.length);
        uint16 epoch = market.intervalOf(id).tariffEpoch;
        for (uint256 i = 0; i < words.length; ++i) {
            bills[i] = _billOf(words[i], epoch, buys);
        }
    }

    /// @dev The packed bills of every BillsIssued event among `logs`, in order.
    function _billWords(Vm.Log[] memory logs) internal pure returns (uint256[] memory words) {
        bytes32 topic = keccak256("BillsIssued(uint32,uint16,bytes)");
        bytes memory all;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] != topic) continue;
            (, bytes memory page) = abi.decode(logs[i].data, (uint16, bytes));
            all = bytes.concat(all, page);
        }
        words = new uint256[](all.length / 32);
        for (uint256 k = 0; k < words.length; ++k) {
            uint256 w;
            assembly ("memory-safe") {
                w := mload(add(add(all, 32), mul(k, 32)))
            }
            words[k] = w;
        }
    }

    /// @dev One packed bill of a BillsIssued event as a Bill, its released locks summed from the participant's buys.
    function _billOf(uint256 w, uint16 epoch, OrderEntry[] memory buys) internal view returns (Bill memory) {
        address who = address(uint160(w >> 96));
        uint8 supplier = market.participantOf(who).supplier;
        Tariff memory t = market.tariffOf(supplier, epoch);
        uint64 lock;
        for (uint256 j = 0; j < buys.length; ++j) {
            if (buys[j].participant == who) lock += MarketMath.buyLockUnits(t, buys[j].wh, buys[j].price);
        }
        int32 grid = int32(uint32(w));
        (uint32 gridIn, uint32 gridOut) = grid > 0 ? (uint32(grid), uint32(0)) : (uint32(0), uint32(-int32(grid)));
        return Bill(who, supplier, uint32(w >> 64), uint32(w >> 32), gridIn, gridOut, lock);
    }
}
