// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {KiezMarket} from "./KiezMarket.sol";
import {MarketInit} from "./MarketTypes.sol";

/// @title MarketFactory
/// @notice Deploys one KiezMarket per community as an EIP-1167 clone of a single implementation, so a new
///         community costs a small fraction of a full deployment.
contract MarketFactory {
    /// @notice The market implementation every community clones.
    address public immutable implementation;

    /// @notice Communities are found through this event (the factory keeps no list: storage would cost each
    ///         new community about 27,000 gas).
    event CommunityCreated(address indexed market, address indexed admin, string name);

    error FactoryZeroImplementation();

    /// @param implementation_ a deployed KiezMarket (its own initializer is disabled).
    constructor(address implementation_) {
        if (implementation_ == address(0)) revert FactoryZeroImplementation();
        implementation = implementation_;
    }

    /// @notice Clones (EIP-1167, with immutable args) and initializes a market for a new community.
    /// @param name a label for the community (only in the event).
    function createCommunity(string calldata name, MarketInit calldata init) external returns (address market) {
        // What never changes for a community lives in the clone's code, where reading it costs no SLOAD.
        // packed (29 bytes, KiezMarket.config reads them back): each byte of clone code costs 200 gas to deploy
        bytes memory args = abi.encodePacked(
            init.token,
            uint8(init.suppliers.length),
            init.gateLeadSeconds,
            init.dayStartSlot,
            init.orderPageSize,
            uint8(init.settlement)
        );
        market = Clones.cloneWithImmutableArgs(implementation, args);
        KiezMarket(market).initialize(init);
        emit CommunityCreated(market, init.admin, name);
    }
}
