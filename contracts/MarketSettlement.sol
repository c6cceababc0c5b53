// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {AccountSlot, Ledger} from "./Ledger.sol";
import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {AccountWord} from "./AccountWord.sol";
import {Bill, BillingState, Interval, IntervalState, Phase, Tariff} from "./MarketTypes.sol";

/// @title MarketSettlement
/// @notice Moves balances per verified bills, run on KiezMarket's storage by delegatecall.
/// @dev P2P money passes through the interval's pool: buyers pay in, sellers are paid out. A page may pay
///      sellers before the buyers of a later page have paid in; their locked funds back the difference, and the
///      pool must balance exactly when the last page settles.
library MarketSettlement {
    using SafeCast for uint256;

    struct Context {
        uint32 interval;
        uint16 page;
        uint32 price;
        uint8 dayStartSlot;
        uint8 supplierCount;
        address platform;
        address taxCollector;
        address networkOperator;
    }

    struct PageTotals {
        uint256 poolIn;
        uint256 poolOut;
        uint256 platform;
        uint256 levies;
        uint256 network;
        uint256[] supplierIn;
        uint256[] supplierOut;
    }

    /// @notice Settles one page of bills, checked against the page's committed digest.
    function settle(
        IntervalState storage st,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Context calldata ctx,
        Bill[] calldata bills
    ) external {
        uint32 interval = ctx.interval;
        (Interval storage iv, BillingState storage bs) = (st.info, st.billing);
        if (iv.phase != Phase.Billed && iv.phase != Phase.Settling) revert E.IntervalWrongPhase(interval, iv.phase);
        if (ctx.page != bs.settledPages) revert E.SettlementPageOutOfOrder(interval, ctx.page, bs.settledPages);
        if (keccak256(abi.encode(bills)) != st.billPageDigest[ctx.page]) revert E.BillPageMismatch(interval, ctx.page);
        iv.phase = Phase.Settling;

        PageTotals memory totals = newTotals(ctx.supplierCount);
        bool dayStart = MarketMath.isDayStart(interval, ctx.dayStartSlot);
        uint16 epoch = iv.tariffEpoch;
        // one tariff read per supplier, not per bill
        Tariff[] memory tariffOf = new Tariff[](ctx.supplierCount);
        uint256 loaded;
        for (uint256 i = 0; i < bills.length; ++i) {
            Bill calldata b = bills[i];
            uint8 supplier = b.supplier;
            if (loaded & (1 << supplier) == 0) {
                tariffOf[supplier] = tariffs[supplier][epoch];
                loaded |= 1 << supplier;
            }
            settleBill(
                ledger,
                interval,
                b.participant,
                supplier,
                b.p2pBoughtWh,
                uint256(b.p2pBoughtWh) * ctx.price,
                uint256(b.p2pSoldWh) * ctx.price,
                b.gridImportWh,
                b.gridExportWh,
                b.lockReleasedUnits,
                tariffOf[supplier],
                dayStart,
                totals
            );
        }
        creditFees(ledger, interval, ctx.platform, ctx.taxCollector, ctx.networkOperator, totals);
        bs.poolIn += totals.poolIn.toUint128();
        bs.poolOut += totals.poolOut.toUint128();
        if (++bs.settledPages == bs.billedPages) {
            if (bs.poolIn != bs.poolOut) revert E.SettlementPoolUnbalanced(interval, bs.poolIn, bs.poolOut);
            iv.phase = Phase.Settled;
            emit Ev.IntervalSettled(interval, bs.poolIn);
        }
    }

    /// @dev Settles one verified bill (an interval's, or a day-mode member's whole day): releases its locks, pays its
    ///      P2P purchase and fees, credits its sales and feed-in, charges its grid import and daily charge, then repays
    ///      earlier debt from what is left. What the account cannot pay is recorded as owed to the supplier, whose
    ///      account fronts it (in interval mode only grid charges can be left unpaid: a buy's lock covers its P2P part;
    ///      a day-mode member has no lock, and its supplier backs its P2P purchase as it backs its grid supply, at most
    ///      what that energy would have cost from the grid). `boughtUnits` and `soldUnits` are the P2P Wh times their
    ///      prices (units: Wh × µEUR/kWh). The amounts are the engine's lemBill (sim/market/billing.ts). Every product
    ///      is a Wh below 2^32 times a price below 2^34 times 1e9: far below 2^256, so that arithmetic is unchecked.
    ///      Settlement order between intervals does not matter: each bill releases its own locks.
    function settleBill(
        Ledger storage ledger,
        uint32 interval,
        address participant,
        uint8 supplier,
        uint256 bought,
        uint256 boughtUnits,
        uint256 soldUnits,
        uint256 gridImportWh,
        uint256 gridExportWh,
        uint256 releasedUnits,
        Tariff memory t,
        bool dayStart,
        PageTotals memory totals
    ) internal {
        AccountSlot slot = ledger.slotOf(participant);
        AccountWord w = slot.load();
        uint256 due;
        uint256 available;
        uint256 gridDue;
        unchecked {
            uint256 p2pCost = boughtUnits * MarketMath.WEI_PER_UNIT;
            uint256 platformFee = bought * t.platformFee * MarketMath.WEI_PER_UNIT;
            uint256 levies = bought * t.levies * MarketMath.WEI_PER_UNIT;
            uint256 supplierFee = bought * t.lemSupplierMargin * MarketMath.WEI_PER_UNIT;
            uint256 networkFee = bought * t.lemNetworkFee * MarketMath.WEI_PER_UNIT;
            uint256 proceeds = soldUnits * MarketMath.WEI_PER_UNIT;
            uint256 exportCredit = gridExportWh * t.feedInTariff * MarketMath.WEI_PER_UNIT;
            gridDue = gridImportWh * MarketMath.timeOfUse(t) * MarketMath.WEI_PER_UNIT
                + (dayStart ? uint256(t.dailyChargeMicroEur) * 1e12 : 0);
            totals.poolIn += p2pCost;
            totals.poolOut += proceeds;
            totals.platform += platformFee;
            totals.levies += levies;
            totals.network += networkFee;
            totals.supplierIn[supplier] += supplierFee;
            totals.supplierOut[supplier] += exportCredit;
            due = p2pCost + platformFee + levies + supplierFee + networkFee + gridDue;
            available = w.free() + releasedUnits * MarketMath.WEI_PER_UNIT + proceeds + exportCredit;
        }
        uint256 free;
        uint256 unpaid;
        if (available >= due) free = available - due;
        else unpaid = due - available;
        uint256 repaid;
        if (w.inDebt() && free != 0) {
            // earlier charges are repaid from any credit, not only from deposits
            (w, repaid) = ledger.repayDebt(participant, w, free);
            free -= repaid;
            emit Ev.DebtRepaid(participant, ledger.supplierAccount[supplier], repaid);
        }
        totals.supplierIn[supplier] += gridDue + repaid;
        if (unpaid != 0) {
            totals.supplierOut[supplier] += unpaid;
            w = ledger.recordDebt(interval, participant, w, unpaid);
        }
        slot.store(w.withFree(free).withLockedUnits(w.lockedUnits() - releasedUnits));
    }

    function newTotals(uint8 supplierCount) internal pure returns (PageTotals memory totals) {
        totals.supplierIn = new uint256[](supplierCount);
        totals.supplierOut = new uint256[](supplierCount);
    }

    /// @dev Credits a page's fees to their recipients and nets each supplier's income against its feed-in payments.
    ///      A supplier whose account cannot pay its feed-in is not a reason to stop settlement: what it cannot pay is
    ///      recorded as its shortfall, repaid first from its next income or deposit netted at a later settlement.
    function creditFees(
        Ledger storage ledger,
        uint32 interval,
        address platform,
        address taxCollector,
        address networkOperator,
        PageTotals memory totals
    ) internal {
        if (totals.platform != 0) ledger.credit(platform, totals.platform);
        if (totals.levies != 0) ledger.credit(taxCollector, totals.levies);
        if (totals.network != 0) ledger.credit(networkOperator, totals.network);
        for (uint8 s = 0; s < totals.supplierIn.length; ++s) {
            uint256 shortfall = ledger.supplierShortfall[s];
            uint256 inflow = totals.supplierIn[s];
            uint256 due = totals.supplierOut[s] + shortfall;
            if (inflow == due) {
                if (shortfall != 0) {
                    ledger.supplierShortfall[s] = 0;
                    emit Ev.SupplierShortfallRepaid(s, shortfall);
                }
                continue;
            }
            AccountSlot slot = ledger.slotOf(ledger.supplierAccount[s]);
            AccountWord w = slot.load();
            uint256 available = w.free() + inflow;
            uint256 paid = available < due ? available : due;
            slot.store(w.withFree(available - paid));
            uint256 left = due - paid;
            if (left > shortfall) emit Ev.SupplierShortfallRecorded(interval, s, left - shortfall);
            else if (left < shortfall) emit Ev.SupplierShortfallRepaid(s, shortfall - left);
            if (left != shortfall) ledger.supplierShortfall[s] = left;
        }
    }
}
