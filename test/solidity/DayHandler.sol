// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EuroToken} from "../../contracts/EuroToken.sol";
import {KiezMarket} from "../../contracts/KiezMarket.sol";
import {MarketFactory} from "../../contracts/MarketFactory.sol";
import {MarketDays} from "../../contracts/MarketDays.sol";
import {MarketMath} from "../../contracts/MarketMath.sol";
import {Account, DayPhase, MarketInit, SettlementMode, Tariff} from "../../contracts/MarketTypes.sol";
import {DayPage} from "../../contracts/DayTypes.sol";
import {
    DayBillWord,
    DayBillWords,
    DayClearingWord,
    DayClearingWords,
    DayPartyWord,
    DayPartyWords
} from "../../contracts/DayWords.sol";
import {Vm} from "./Vm.sol";

/// @notice Drives a day-mode market with random actions for the invariant tests, as households, the operator, the
///         meter, anyone settling and an adversary would: standing orders changed at any time, deposits and
///         withdrawals, days opened and run (posted and settled by the meter in one transaction, posted in pages and
///         settled whole, or settled in steps of random pages), days left unread and voided, the market paused, and a
///         clearing altered in one field handed in first. The handler computes each day's clearing itself (a sort and
///         the greedy merge per interval, as the engine does) and keeps ghost records of what must never happen. Every
///         market call that may be refused is made in a try: a refusal it expects is counted, any other revert is
///         `unexpectedReverts`; the handler's own code never reverts.
contract DayHandler {
    using DayClearingWords for DayClearingWord;
    using DayBillWords for DayBillWord;
    using DayPartyWords for DayPartyWord;

    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant ACTORS = 8;
    uint256 internal constant SLOTS = 96;
    uint24 internal constant LIMIT_WH = 3_000;
    uint8 internal constant DAY_START_SLOT = 92;

    EuroToken public token;
    KiezMarket public market;
    address public admin = address(0xA11CE);
    address public operator = address(0x0FE);
    address public meter = address(0x3E7E);
    address public anyone = address(0xB0B);
    address[] public actors;
    address[] public feeAccounts;
    address[2] public suppliers;
    /// @dev The last day opened (0: none yet).
    uint32 public lastOpened;

    // what the runs did (the fixed-sequence test checks each happens)
    uint256 public daysFused;
    uint256 public daysWhole;
    uint256 public daysInSteps;
    uint256 public daysVoided;
    uint256 public ordersSet;
    uint256 public alteredRefused;
    uint256 public pausedRefusals;
    uint256 public debtsSeen;
    uint256 public matchedTotal;
    uint256 public refusals;

    // ghost records: each must stay zero
    uint256 public unexpectedReverts;
    bytes public lastUnexpected;
    uint256 public alteredAccepted;
    uint256 public settledTwice;
    uint256 public p2pImbalance;
    uint256 public fillBeyondLimit;
    uint256 public voidMovedMoney;
    uint256 public unfinishedDays;

    constructor() {
        token = new EuroToken(admin);
        MarketFactory factory = new MarketFactory(address(new KiezMarket()));
        for (uint256 i = 0; i < 3; ++i) feeAccounts.push(address(uint160(0x2000 + i)));
        suppliers = [address(0x2003), address(0x2004)];
        address[] memory supplierAccounts = new address[](2);
        supplierAccounts[0] = suppliers[0];
        supplierAccounts[1] = suppliers[1];
        Tariff[] memory tariffs = new Tariff[](2);
        tariffs[0] = Tariff(170_000, 124_170, 30_600, 89_300, 82_000, 10_000, 35_000, 94_300, 312_329);
        tariffs[1] = Tariff(165_000, 124_170, 35_000, 89_300, 82_000, 10_000, 38_000, 94_300, 300_000);
        market = KiezMarket(
            factory.createCommunity(
                "day-invariants",
                MarketInit(
                    admin,
                    operator,
                    meter,
                    address(token),
                    feeAccounts[0],
                    feeAccounts[1],
                    feeAccounts[2],
                    supplierAccounts,
                    tariffs,
                    300,
                    DAY_START_SLOT,
                    400,
                    SettlementMode.Day
                )
            )
        );
        vm.warp(30_000 days);
        for (uint256 i = 0; i < ACTORS; ++i) {
            address a = address(uint160(0x7000 + i));
            actors.push(a);
            // every third a consumer; the others sell once the meter confirms their metering point
            bool consumer = i % 3 == 0;
            vm.prank(a);
            market.register(consumer ? 1 : 2, uint8(i % 2), LIMIT_WH, consumer ? 0 : LIMIT_WH);
            if (!consumer) {
                vm.prank(meter);
                market.confirmMeteringPoint(a, uint64(1_000_000_000 + i));
            }
            _fund(a, 20e18);
            _setOrder(i, uint256(keccak256(abi.encode("order", i))));
        }
        for (uint256 s = 0; s < 2; ++s) _fund(suppliers[s], 50e18);
    }

    // ================================================================================== actions

    /// @notice A household changes its standing order (refused while an earlier change is pending, as expected).
    function setOrder(uint256 actorSeed, uint256 seed) external {
        _setOrder(actorSeed % ACTORS, seed);
    }

    function deposit(uint256 actorSeed, uint256 amount) external {
        _fund(actors[actorSeed % ACTORS], 1e15 + (amount % 5e18));
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address a = actors[actorSeed % ACTORS];
        uint256 free = market.accountOf(a).free;
        if (free == 0) return;
        vm.prank(a);
        try market.withdraw(1 + (amount % free)) {}
        catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    function togglePause() external {
        bool paused = market.paused();
        vm.prank(admin);
        if (paused) market.unpause();
        else market.pause();
    }

    /// @notice Opens the next day and runs it: random readings, the handler's clearing (an altered copy handed in first),
    ///         and one of three ways to settle it, chosen by `seed`. In a pause the meter's and the verifying steps are
    ///         refused as expected, and the day waits.
    function runDay(uint256 seed) external {
        vm.recordLogs();
        uint32 day = _openNext();
        _endOf(day);
        uint32 members = market.dayOf(day).members;
        bytes memory readings = _readings(members, seed);
        DayPartyWord[] memory parties = new DayPartyWord[](members);
        for (uint32 m = 0; m < members; ++m) {
            parties[m] = market.dayPartyOf(day, m);
        }
        DayClearingWord[] memory clearing = _clear(day, parties, readings);
        uint256 path = seed % 3;
        if (market.paused()) {
            vm.prank(meter);
            try market.postAndSettleDay(day, readings, clearing) {
                _unexpected("");
            } catch {
                ++pausedRefusals;
            }
            return;
        }
        _tryAltered(day, readings, clearing, seed);
        if (path == 0) {
            vm.prank(meter);
            try market.postAndSettleDay(day, readings, clearing) {
                ++daysFused;
            } catch (bytes memory reason) {
                return _unexpected(reason);
            }
        } else {
            uint256 pageSize = 1 + ((seed >> 8) % members);
            DayPage[] memory pages = _post(day, parties, readings, pageSize);
            if (path == 1) {
                try market.settleDay(day, 0, pages, clearing) {
                    ++daysWhole;
                } catch (bytes memory reason) {
                    return _unexpected(reason);
                }
            } else {
                if (!_settleInSteps(day, pages, clearing, 1 + ((seed >> 16) % pages.length))) return;
                ++daysInSteps;
            }
        }
        _checkSettled(day, parties);
    }

    /// @notice Opens the next day and leaves it unread until it may be voided; voiding it moves no money.
    function skipDay() external {
        uint32 day = _openNext();
        vm.warp(_endOfDay(day) + market.DAY_VOID_AFTER());
        uint256 before = _ledgerTotal();
        try market.voidDay(day) {
            ++daysVoided;
        } catch (bytes memory reason) {
            return _unexpected(reason);
        }
        if (_ledgerTotal() != before) ++voidMovedMoney;
    }

    // ================================================================================== checks

    function ledgerTotal() external view returns (uint256) {
        return _ledgerTotal();
    }

    function shortfallTotal() external view returns (uint256) {
        return market.supplierShortfall(0) + market.supplierShortfall(1);
    }

    // ================================================================================== internals

    function _setOrder(uint256 i, uint256 seed) internal {
        address a = actors[i];
        Tariff memory t = market.tariffOf(uint8(i % 2), 0);
        bool consumer = i % 3 == 0;
        uint24 floor = consumer ? 0 : uint24(t.feedInTariff + 1 + (seed % (t.energyPrice - t.feedInTariff - 1)));
        uint256 maxCap = MarketMath.timeOfUse(t) - MarketMath.lemCharges(t) - 1;
        if (maxCap >= t.energyPrice) maxCap = t.energyPrice - 1;
        // some households buy only above the feed-in tariff, some not at all
        uint24 cap = (seed >> 64) % 5 == 0 ? 0 : uint24(t.feedInTariff + 1 + ((seed >> 32) % (maxCap - t.feedInTariff)));
        vm.prank(a);
        try market.setStandingOrder(floor, cap) {
            ++ordersSet;
        } catch (bytes memory reason) {
            if (bytes4(reason) == bytes4(keccak256("DayOrderChangePending(address,uint32)"))) ++refusals;
            else if (bytes4(reason) == bytes4(keccak256("EnforcedPause()"))) ++pausedRefusals;
            else _unexpected(reason);
        }
    }

    function _fund(address a, uint256 amount) internal {
        vm.prank(admin);
        token.mint(a, amount);
        vm.startPrank(a);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
    }

    function _openNext() internal returns (uint32 day) {
        // the next day that starts after now
        day = uint32((block.timestamp / 900 - DAY_START_SLOT) / SLOTS + 1);
        if (day <= lastOpened) day = lastOpened + 1;
        vm.prank(operator);
        market.openDays(day, 1);
        lastOpened = day;
        // an earlier day still open (a pause kept it from settling) is voided once it may be, so this one can settle
        (,, uint32 next) = market.dayCalendar();
        while (next != 0 && next != day) {
            vm.warp(_max(block.timestamp, _endOfDay(next) + market.DAY_VOID_AFTER()));
            market.voidDay(next);
            ++daysVoided;
            (,, next) = market.dayCalendar();
        }
    }

    function _endOf(uint32 day) internal {
        vm.warp(_max(block.timestamp, _endOfDay(day)));
    }

    function _readings(uint32 members, uint256 seed) internal pure returns (bytes memory readings) {
        readings = new bytes(uint256(members) * SLOTS * 2);
        for (uint256 m = 0; m < members; ++m) {
            bool consumer = m % 3 == 0;
            for (uint256 t = 0; t < SLOTS; ++t) {
                uint256 r = uint256(keccak256(abi.encode(seed, m, t)));
                uint256 wh = r % 4 == 0 ? 0 : 1 + ((r >> 8) % (LIMIT_WH - 1));
                // prosumers export at midday three times in four
                bool exports = !consumer && t >= 30 && t < 70 && (r >> 40) % 4 != 0;
                uint256 word = exports ? (0x8000 | wh) : wh;
                readings[(m * SLOTS + t) * 2] = bytes1(uint8(word >> 8));
                readings[(m * SLOTS + t) * 2 + 1] = bytes1(uint8(word));
            }
        }
    }

    function _reading(bytes memory readings, uint256 m, uint256 t) internal pure returns (bool exports, uint256 wh) {
        uint256 word = (uint256(uint8(readings[(m * SLOTS + t) * 2])) << 8) | uint8(readings[(m * SLOTS + t) * 2 + 1]);
        return (word & 0x8000 != 0, word & 0x7fff);
    }

    /// @dev The day's clearing as the engine computes it: per interval, exports at their floors sorted ascending and
    ///      imports at their caps descending (ties by member), the greedy merge, the marginal pair and the Wh before it.
    function _clear(uint32 day, DayPartyWord[] memory parties, bytes memory readings)
        internal
        view
        returns (DayClearingWord[] memory clearing)
    {
        uint16 epoch = market.dayOf(day).tariffEpoch;
        Tariff[2] memory t = [market.tariffOf(0, epoch), market.tariffOf(1, epoch)];
        clearing = new DayClearingWord[](SLOTS);
        uint256 n = parties.length;
        for (uint256 s = 0; s < SLOTS; ++s) {
            uint256[] memory sells = new uint256[](n);
            uint256[] memory buys = new uint256[](n);
            uint256 ns;
            uint256 nb;
            for (uint256 m = 0; m < n; ++m) {
                (bool exports, uint256 wh) = _reading(readings, m, s);
                if (wh == 0) continue;
                DayPartyWord p = parties[m];
                Tariff memory tm = t[p.supplier()];
                // keys as the contract ranks them: price then member
                if (exports && p.floor() != 0 && MarketDays.floorAllowed(p.floor(), tm)) sells[ns++] = (uint256(p.floor()) << 24) | m;
                if (!exports && p.cap() != 0 && MarketDays.capAllowed(p.cap(), tm)) {
                    buys[nb++] = ((uint256(type(uint24).max) - p.cap()) << 24) | m;
                }
            }
            _sort(sells, ns);
            _sort(buys, nb);
            clearing[s] = _merge(readings, s, sells, ns, buys, nb);
        }
    }

    function _merge(bytes memory readings, uint256 s, uint256[] memory sells, uint256 ns, uint256[] memory buys, uint256 nb)
        internal
        pure
        returns (DayClearingWord)
    {
        uint256 i;
        uint256 j;
        uint256 sellLeft;
        uint256 buyLeft;
        uint256 sellBefore;
        uint256 buyBefore;
        uint256 matched;
        bool any;
        uint256 mi;
        uint256 mj;
        uint256 miBefore;
        uint256 mjBefore;
        if (ns > 0) (, sellLeft) = _reading(readings, uint24(sells[0]), s);
        if (nb > 0) (, buyLeft) = _reading(readings, uint24(buys[0]), s);
        while (i < ns && j < nb && (type(uint24).max - (buys[j] >> 24)) >= (sells[i] >> 24)) {
            uint256 wh = sellLeft < buyLeft ? sellLeft : buyLeft;
            matched += wh;
            (mi, mj, miBefore, mjBefore, any) = (i, j, sellBefore, buyBefore, true);
            sellLeft -= wh;
            buyLeft -= wh;
            if (sellLeft == 0) {
                (, uint256 whS) = _reading(readings, uint24(sells[i]), s);
                sellBefore += whS;
                if (++i < ns) (, sellLeft) = _reading(readings, uint24(sells[i]), s);
            }
            if (buyLeft == 0) {
                (, uint256 whB) = _reading(readings, uint24(buys[j]), s);
                buyBefore += whB;
                if (++j < nb) (, buyLeft) = _reading(readings, uint24(buys[j]), s);
            }
        }
        if (!any) return DayClearingWords.noTrade();
        return DayClearingWords.pack(
            uint24(sells[mi]),
            uint24(buys[mj]),
            uint24(sells[mi] >> 24),
            uint24(type(uint24).max - (buys[mj] >> 24)),
            uint32(matched),
            uint32(miBefore),
            uint32(mjBefore)
        );
    }

    function _sort(uint256[] memory keys, uint256 n) internal pure {
        for (uint256 a = 1; a < n; ++a) {
            uint256 k = keys[a];
            uint256 b = a;
            while (b > 0 && keys[b - 1] > k) {
                keys[b] = keys[b - 1];
                --b;
            }
            keys[b] = k;
        }
    }

    /// @dev A copy of the clearing with one field of one traded interval moved by one, handed in first: it must be
    ///      refused, whichever settlement path it takes.
    function _tryAltered(uint32 day, bytes memory readings, DayClearingWord[] memory clearing, uint256 seed) internal {
        uint256 slot = SLOTS;
        for (uint256 k = 0; k < SLOTS; ++k) {
            uint256 t = (seed % SLOTS + k) % SLOTS;
            if (clearing[t].matchedWh() > 0) {
                slot = t;
                break;
            }
        }
        if (slot == SLOTS) return;
        DayClearingWord c = clearing[slot];
        uint256 field = (seed >> 24) % 5;
        uint256 w = DayClearingWord.unwrap(c);
        // seller, buyer, ask, bid, matchedWh: one up, within its field
        uint256[5] memory shifts = [uint256(232), 208, 184, 160, 128];
        DayClearingWord[] memory altered = new DayClearingWord[](SLOTS);
        for (uint256 k = 0; k < SLOTS; ++k) altered[k] = clearing[k];
        altered[slot] = DayClearingWord.wrap(w + (uint256(1) << shifts[field]));
        vm.prank(meter);
        try market.postAndSettleDay(day, readings, altered) {
            ++alteredAccepted;
        } catch {
            ++alteredRefused;
        }
    }

    function _post(uint32 day, DayPartyWord[] memory parties, bytes memory readings, uint256 pageSize)
        internal
        returns (DayPage[] memory pages)
    {
        uint256 n = parties.length;
        pages = new DayPage[]((n + pageSize - 1) / pageSize);
        for (uint256 p = 0; p < pages.length; ++p) {
            uint256 first = p * pageSize;
            uint256 count = first + pageSize > n ? n - first : pageSize;
            bytes memory page = new bytes(count * SLOTS * 2);
            for (uint256 b = 0; b < page.length; ++b) page[b] = readings[first * SLOTS * 2 + b];
            DayPartyWord[] memory ps = new DayPartyWord[](count);
            for (uint256 j = 0; j < count; ++j) ps[j] = parties[first + j];
            vm.prank(meter);
            market.postDayReadings(day, page);
            pages[p] = DayPage(ps, page);
        }
    }

    function _settleInSteps(uint32 day, DayPage[] memory pages, DayClearingWord[] memory clearing, uint256 perTx)
        internal
        returns (bool)
    {
        // verification takes fewer pages than all in its first step, or the day would settle whole
        uint256 first = perTx >= pages.length && pages.length > 1 ? pages.length - 1 : perTx;
        for (uint256 step = 0; step < 2; ++step) {
            for (uint256 p = 0; p < pages.length;) {
                uint256 count = p == 0 && step == 0 ? first : perTx;
                if (p + count > pages.length) count = pages.length - p;
                DayPage[] memory batch = new DayPage[](count);
                for (uint256 k = 0; k < count; ++k) batch[k] = pages[p + k];
                vm.prank(anyone);
                try market.settleDay(day, uint16(p), batch, clearing) {}
                catch (bytes memory reason) {
                    _unexpected(reason);
                    return false;
                }
                p += count;
                if (market.dayOf(day).phase == DayPhase.Settled) return true;
            }
        }
        return market.dayOf(day).phase == DayPhase.Settled;
    }

    /// @dev A settled day: its bills balance (P2P Wh bought = sold), no member's average price crosses its limit, and
    ///      settling again is refused.
    function _checkSettled(uint32 day, DayPartyWord[] memory parties) internal {
        if (market.dayOf(day).phase != DayPhase.Settled) {
            ++unfinishedDays;
            return;
        }
        DayBillWord[] memory bills = _billsOf(day, parties.length);
        uint256 bought;
        uint256 sold;
        for (uint256 m = 0; m < bills.length; ++m) {
            DayBillWord b = bills[m];
            bought += b.boughtWh();
            sold += b.soldWh();
            if (uint256(b.boughtUnits()) > uint256(b.boughtWh()) * parties[m].cap()) ++fillBeyondLimit;
            if (uint256(b.soldUnits()) < uint256(b.soldWh()) * parties[m].floor()) ++fillBeyondLimit;
            if (market.accountOf(parties[m].account()).inDebt) ++debtsSeen;
        }
        if (bought != sold) ++p2pImbalance;
        matchedTotal += bought;
        vm.prank(anyone);
        try market.settleDay(day, 0, new DayPage[](0), new DayClearingWord[](SLOTS)) {
            ++settledTwice;
        } catch {
            ++refusals;
        }
    }

    /// @dev The day's bills from the settlement's events (DaySettled, or every DayPagesSettled), in roster order.
    function _billsOf(uint32 day, uint256 members) internal returns (DayBillWord[] memory bills) {
        bills = new DayBillWord[](members);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 whole = keccak256("DaySettled(uint32,uint256[],bytes,uint256)");
        bytes32 paged = keccak256("DayPagesSettled(uint32,uint32,bytes,bool)");
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(market) || l.topics.length < 2 || uint256(l.topics[1]) != day) continue;
            bytes memory words;
            uint256 first;
            if (l.topics[0] == whole) {
                (, words,) = abi.decode(l.data, (uint256[], bytes, uint256));
            } else if (l.topics[0] == paged) {
                (first, words,) = abi.decode(l.data, (uint32, bytes, bool));
            } else {
                continue;
            }
            for (uint256 k = 0; k < words.length / 32; ++k) {
                uint256 w;
                assembly ("memory-safe") {
                    w := mload(add(add(words, 32), mul(k, 32)))
                }
                if (first + k < members) bills[first + k] = DayBillWord.wrap(w);
            }
        }
    }

    function _ledgerTotal() internal view returns (uint256 total) {
        for (uint256 i = 0; i < ACTORS; ++i) total += _held(actors[i]);
        for (uint256 i = 0; i < feeAccounts.length; ++i) total += _held(feeAccounts[i]);
        for (uint256 i = 0; i < 2; ++i) total += _held(suppliers[i]);
    }

    function _held(address a) internal view returns (uint256) {
        Account memory acc = market.accountOf(a);
        return uint256(acc.free) + acc.locked;
    }

    function _unexpected(bytes memory reason) internal {
        ++unexpectedReverts;
        lastUnexpected = reason;
    }

    /// @dev When `day` ends, at the community's day start slot.
    function _endOfDay(uint32 day) internal pure returns (uint256) {
        return MarketDays.endOf(DAY_START_SLOT, day);
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
}
