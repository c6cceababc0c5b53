// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DayHandler} from "./DayHandler.sol";
import {TestBase} from "./Vm.sol";

contract DayFuzzTest is TestBase {
    DayHandler internal handler;

    function setUp() public {
        handler = new DayHandler();
    }

    /// The handler's actions really happen, so the invariant runs exercise them: every settlement path, trades, debts,
    /// altered clearings refused, a pending order change refused, a pause, a voided day.
    function testHandlerExercisesEveryPath() public {
        for (uint256 seed = 0; seed < 9; ++seed) {
            handler.runDay((uint256(keccak256(abi.encode(seed))) >> 8) * 3 + (seed % 3));
            handler.setOrder(seed, seed * 7919);
            handler.withdraw(seed, uint256(keccak256(abi.encode("w", seed))));
        }
        assertTrue(handler.daysFused() > 0, "posted and settled in one transaction");
        assertTrue(handler.daysWhole() > 0, "posted in pages, settled whole");
        assertTrue(handler.daysInSteps() > 0, "settled in steps");
        assertTrue(handler.matchedTotal() > 0, "something traded");
        assertTrue(handler.alteredRefused() > 0, "altered clearings refused");
        handler.setOrder(1, 1);
        handler.runDay(5);
        handler.setOrder(1, 2);
        handler.setOrder(1, 3);
        assertTrue(handler.refusals() > 0, "refusals as expected");
        handler.togglePause();
        handler.runDay(6);
        assertTrue(handler.pausedRefusals() > 0, "the meter's path waits in a pause");
        handler.togglePause();
        handler.skipDay();
        handler.runDay(7);
        assertTrue(handler.daysVoided() > 0, "a day voided");
        assertEq(handler.unexpectedReverts(), 0, "unexpected reverts");
        assertEq(handler.alteredAccepted(), 0, "altered accepted");
        assertEq(handler.unfinishedDays(), 0, "days unfinished");
        assertEq(handler.token().balanceOf(address(handler.market())) + handler.shortfallTotal(), handler.ledgerTotal(), "balance vs ledger");
    }

    /// Households that cannot pay end in debt to their supplier; the ledger still balances.
    function testDebtsKeepTheLedgerBalanced() public {
        for (uint256 i = 0; i < 8; ++i) handler.withdraw(i, type(uint256).max - 1);
        for (uint256 seed = 0; seed < 3; ++seed) handler.runDay(seed * 3);
        assertTrue(handler.debtsSeen() > 0, "debts recorded");
        assertEq(handler.token().balanceOf(address(handler.market())) + handler.shortfallTotal(), handler.ledgerTotal(), "balance vs ledger");
    }
}
