// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Implemented by a receiver of HookedStablecoin that wants to be called on every transfer to it.
interface ITokensReceiver {
    function tokensReceived(address from, uint256 value) external;
}

/// @title HookedStablecoin
/// @notice For tests only: an 18-decimal ERC-20 that calls a receiver that asked for it back on every transfer to it
///         (as ERC-777 tokens do), so that tests can show what a reentering household can and cannot do.
contract HookedStablecoin is ERC20 {
    mapping(address receiver => bool) public hooked;

    constructor() ERC20("Hooked Euro", "hEUR") {}

    /// @notice The caller asks to be called back on every transfer to it.
    function askForCallbacks() external {
        hooked[msg.sender] = true;
    }

    /// @notice Mints `amount` to `to`: anyone may, it is a test token.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) ITokensReceiver(to).tokensReceived(from, value);
    }
}

/// @title ReentrantHousehold
/// @notice For tests only: a household contract that, when paid out, withdraws from the market again; or, watching,
///         records the free balance the market shows for it while the payout is under way.
contract ReentrantHousehold is ITokensReceiver {
    IMarketLedger internal immutable market;
    bool internal reentering;
    bool public watching;
    uint256 public freeSeenInPayout;

    constructor(address market_) {
        market = IMarketLedger(market_);
    }

    /// @notice Deposits `amount` of `token` into the market and asks the token for callbacks.
    function deposit(HookedStablecoin token, uint256 amount) external {
        token.approve(address(market), amount);
        market.deposit(amount);
        token.askForCallbacks();
    }

    /// @notice Withdraws `amount`; the payout's callback tries to withdraw `amount` once more.
    function withdraw(uint256 amount) external {
        market.withdraw(amount);
    }

    /// @notice From now on the payout's callback only records the market's view of this account.
    function watch() external {
        watching = true;
    }

    function tokensReceived(address from, uint256 value) external {
        if (from != address(market) || reentering) return;
        if (watching) {
            // accountOf returns a static struct whose first word is the free balance
            (bool ok, bytes memory data) = from.staticcall(abi.encodeWithSignature("accountOf(address)", address(this)));
            if (ok) freeSeenInPayout = abi.decode(data, (uint256));
            return;
        }
        reentering = true;
        market.withdraw(value);
        reentering = false;
    }
}

/// @dev The two market functions the household calls.
interface IMarketLedger {
    function deposit(uint256 amount) external;
    function withdraw(uint256 amount) external;
}
