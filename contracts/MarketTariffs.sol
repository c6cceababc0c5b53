// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {Tariff} from "./MarketTypes.sol";

/// @title MarketTariffs
/// @notice The bounds every tariff a community takes must hold, and its one write (a linked library, so the market
///         stays under the contract size limit).
library MarketTariffs {
    /// @dev KiezMarket.MAX_TARIFF_PRICE, KiezMarket.MAX_DAILY_CHARGE.
    uint256 internal constant MAX_TARIFF_PRICE = 1_000_000;
    uint256 internal constant MAX_DAILY_CHARGE = 5_000_000;

    /// @notice Checks `t` and stores it as `supplier`'s tariff of `epoch`: every per-kWh component at most
    ///         MAX_TARIFF_PRICE, the daily charge at most MAX_DAILY_CHARGE, the LEM components not below the grid's,
    ///         feed-in below the energy price, and some buy price above zero leaving a buyer below time of use.
    function set(
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        uint8 supplier,
        uint16 epoch,
        Tariff calldata t
    ) external {
        uint256 highest = MarketMath.highestPrice(t);
        if (highest > MAX_TARIFF_PRICE) revert E.TariffComponentTooHigh(supplier, highest, MAX_TARIFF_PRICE);
        if (t.dailyChargeMicroEur > MAX_DAILY_CHARGE) {
            revert E.TariffComponentTooHigh(supplier, t.dailyChargeMicroEur, MAX_DAILY_CHARGE);
        }
        if (t.lemSupplierMargin < t.supplierMargin) {
            revert E.TariffLemMarginBelowGrid(supplier, t.lemSupplierMargin, t.supplierMargin);
        }
        if (t.lemNetworkFee < t.networkFee) revert E.TariffLemNetworkFeeBelowGrid(supplier, t.lemNetworkFee, t.networkFee);
        if (t.feedInTariff + 1 >= t.energyPrice) {
            revert E.TariffFeedInNotBelowEnergyPrice(supplier, t.feedInTariff, t.energyPrice);
        }
        uint256 charges = MarketMath.lemCharges(t);
        uint256 tou = MarketMath.timeOfUse(t);
        // Some buy price above zero must leave the buyer below ToU.
        if (charges + 1 >= tou) revert E.TariffNoBuyerBenefit(supplier, charges, tou);
        tariffs[supplier][epoch] = t;
        emit Ev.TariffSet(supplier, epoch, t);
    }
}
