// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {KiezMarket} from "./KiezMarket.sol";
import {MarketInit} from "./MarketTypes.sol";

/// @title MarketFactory
/// @notice Deploys one KiezMarket per community as an EIP-1167 clone of a single implementation, so a new
///         community costs a small fraction of a full deployment.
contract MarketFactory {
    /// @notice The market implementation every community clones.
    address public immutable implementation;

    /// @notice Every community market this factory created, in order.
    address[] public markets;

    event CommunityCreated(address indexed market, address indexed admin, string name);

    error FactoryZeroImplementation();

    /// @param implementation_ a deployed KiezMarket (its own initializer is disabled).
    constructor(address implementation_) {
        if (implementation_ == address(0)) revert FactoryZeroImplementation();
        implementation = implementation_;
    }

    /// @notice Clones and initializes a market for a new community.
    /// @param name a label for the community (only in the event).
    function createCommunity(string calldata name, MarketInit calldata init) external returns (address market) {
        market = Clones.clone(implementation);
        KiezMarket(market).initialize(init);
        markets.push(market);
        emit CommunityCreated(market, init.admin, name);
    }

    /// @notice How many communities this factory created.
    function marketCount() external view returns (uint256) {
        return markets.length;
    }
}
