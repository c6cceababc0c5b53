// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {Account, Bill, BillingState, Interval, Phase, Tariff} from "./MarketTypes.sol";

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
        Interval storage iv,
        BillingState storage bs,
        mapping(address => Account) storage accounts,
        mapping(address => uint256) storage owed,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(uint8 => address) storage supplierAccount,
        Context calldata ctx,
        bytes32 expectedDigest,
        Bill[] calldata bills
    ) external {
        uint32 interval = ctx.interval;
        if (iv.phase != Phase.Billed && iv.phase != Phase.Settling) revert E.IntervalWrongPhase(interval, iv.phase);
        if (ctx.page != bs.settledPages) revert E.SettlementPageOutOfOrder(interval, ctx.page, bs.settledPages);
        if (keccak256(abi.encode(bills)) != expectedDigest) revert E.BillPageMismatch(interval, ctx.page);
        iv.phase = Phase.Settling;

        PageTotals memory totals = newTotals(ctx.supplierCount);
        bool dayStart = MarketMath.isDayStart(interval, ctx.dayStartSlot);
        uint16 epoch = iv.tariffEpoch;
        for (uint256 i = 0; i < bills.length; ++i) {
            Bill calldata b = bills[i];
            settleBill(
                accounts[b.participant],
                owed,
                interval,
                b.participant,
                b.supplier,
                b.p2pBoughtWh,
                b.p2pSoldWh,
                b.gridImportWh,
                b.gridExportWh,
                b.lockReleasedUnits,
                tariffs[b.supplier][epoch],
                ctx.price,
                dayStart,
                totals
            );
        }
        creditFees(accounts, supplierAccount, ctx, totals);
        bs.poolIn += totals.poolIn.toUint128();
        bs.poolOut += totals.poolOut.toUint128();
        if (++bs.settledPages == bs.billedPages) {
            if (bs.poolIn != bs.poolOut) revert E.SettlementPoolUnbalanced(interval, bs.poolIn, bs.poolOut);
            iv.phase = Phase.Settled;
            emit Ev.IntervalSettled(interval, bs.poolIn);
        }
    }

    /// @dev Settles one verified bill: releases its locks, pays its P2P purchase and fees, credits its sales and
    ///      feed-in, charges its grid import and daily charge (recording what cannot be paid as owed). The
    ///      amounts are the engine's lemBill (sim/market/billing.ts). Every product is a Wh below 2^32 times a
    ///      price below 2^34 times 1e9: far below 2^256, so that arithmetic is unchecked.
    function settleBill(
        Account storage acct,
        mapping(address => uint256) storage owed,
        uint32 interval,
        address participant,
        uint8 supplier,
        uint256 bought,
        uint256 sold,
        uint256 gridImportWh,
        uint256 gridExportWh,
        uint256 releasedUnits,
        Tariff memory t,
        uint32 price,
        bool dayStart,
        PageTotals memory totals
    ) internal {
        Account memory a = acct;
        if (a.lastSettledInterval > interval) {
            revert E.SettlementOutOfOrder(participant, a.lastSettledInterval, interval);
        }
        uint256 p2pCost;
        uint256 credit;
        uint256 gridDue;
        uint256 released;
        unchecked {
            p2pCost = bought * price * MarketMath.WEI_PER_UNIT;
            uint256 platformFee = bought * t.platformFee * MarketMath.WEI_PER_UNIT;
            uint256 levies = bought * t.levies * MarketMath.WEI_PER_UNIT;
            uint256 supplierFee = bought * t.lemSupplierMargin * MarketMath.WEI_PER_UNIT;
            uint256 networkFee = bought * t.lemNetworkFee * MarketMath.WEI_PER_UNIT;
            uint256 proceeds = sold * price * MarketMath.WEI_PER_UNIT;
            uint256 exportCredit = gridExportWh * t.feedInTariff * MarketMath.WEI_PER_UNIT;
            gridDue = gridImportWh * MarketMath.timeOfUse(t) * MarketMath.WEI_PER_UNIT
                + (dayStart ? uint256(t.dailyChargeMicroEur) * 1e12 : 0);
            released = releasedUnits * MarketMath.WEI_PER_UNIT;
            credit = proceeds + exportCredit;
            totals.poolIn += p2pCost;
            totals.poolOut += proceeds;
            totals.platform += platformFee;
            totals.levies += levies;
            totals.network += networkFee;
            totals.supplierIn[supplier] += supplierFee;
            totals.supplierOut[supplier] += exportCredit;
            p2pCost += platformFee + levies + supplierFee + networkFee;
        }
        // The P2P part never exceeds the released lock (fills are at or below each limit price): checked anyway.
        uint256 free = uint256(a.free) + released - p2pCost + credit;
        uint256 paid = gridDue < free ? gridDue : free;
        free -= paid;
        totals.supplierIn[supplier] += paid;
        storeAccount(acct, free, a.locked - released, interval, a.bidNonce);
        if (paid != gridDue) {
            owed[participant] += gridDue - paid;
            emit Ev.DebtRecorded(interval, participant, gridDue - paid);
        }
    }

    /// @dev Writes an account in one SSTORE instead of one per field. Layout of the slot (Solidity packs struct
    ///      members from the low-order end): free in bits 0–95, locked in 96–191, lastSettledInterval in 192–223,
    ///      bidNonce in 224–255.
    function storeAccount(Account storage acct, uint256 free, uint256 locked, uint32 lastSettledInterval, uint32 bidNonce)
        internal
    {
        uint256 word = uint256(free.toUint96()) | (uint256(locked.toUint96()) << 96)
            | (uint256(lastSettledInterval) << 192) | (uint256(bidNonce) << 224);
        assembly ("memory-safe") {
            sstore(acct.slot, word)
        }
    }

    function newTotals(uint8 supplierCount) internal pure returns (PageTotals memory totals) {
        totals.supplierIn = new uint256[](supplierCount);
        totals.supplierOut = new uint256[](supplierCount);
    }

    function creditFees(
        mapping(address => Account) storage accounts,
        mapping(uint8 => address) storage supplierAccount,
        Context calldata ctx,
        PageTotals memory totals
    ) internal {
        if (totals.platform != 0) accounts[ctx.platform].free += totals.platform.toUint96();
        if (totals.levies != 0) accounts[ctx.taxCollector].free += totals.levies.toUint96();
        if (totals.network != 0) accounts[ctx.networkOperator].free += totals.network.toUint96();
        for (uint8 s = 0; s < totals.supplierIn.length; ++s) {
            uint256 inflow = totals.supplierIn[s];
            uint256 outflow = totals.supplierOut[s];
            if (inflow == outflow) continue;
            Account storage acct = accounts[supplierAccount[s]];
            uint256 available = uint256(acct.free) + inflow;
            if (available < outflow) revert E.SettlementSupplierUnderfunded(s, outflow, available);
            acct.free = (available - outflow).toUint96();
        }
    }
}
