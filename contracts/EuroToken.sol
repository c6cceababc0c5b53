// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title EuroToken
/// @notice The settlement euro of a Kiezstrom community: 18 decimals, EIP-2612 permit, minted by a minter
///         (on a local chain, the demo's faucet). A deployment may point its markets at an existing euro
///         stablecoin instead.
contract EuroToken is ERC20, ERC20Permit, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin receives the admin and minter roles.
    constructor(address admin) ERC20("Kiezstrom Euro", "kEUR") ERC20Permit("Kiezstrom Euro") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @notice Mints `amount` (18 decimals) to `to`. Minter role only.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }
}
