// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title ISettlementToken
/// @notice What a market needs of its euro: an 18-decimal ERC-20; EIP-2612 permit enables permit deposits.
///         EuroToken is one; an existing euro stablecoin can be another.
// solhint-disable-next-line no-empty-blocks
interface ISettlementToken is IERC20, IERC20Permit {}
