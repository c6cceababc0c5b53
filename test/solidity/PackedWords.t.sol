// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccountWord, AccountWords} from "../../contracts/AccountWord.sol";
import {Participant, ParticipantClass, Side} from "../../contracts/MarketTypes.sol";
import {
    BidWord,
    BidWords,
    BillWord,
    BillWords,
    OrderEntries,
    OrderEntry,
    ReadingWord,
    ReadingWords,
    RegistrationWord,
    RegistrationWords,
    SignedTerms,
    SignedTermsWords
} from "../../contracts/MarketWords.sol";
import {MarketBilling} from "../../contracts/MarketBilling.sol";
import {OrderRef, OrderRefs} from "../../contracts/OrderRef.sol";
import {SlotDerivation} from "@openzeppelin/contracts/utils/SlotDerivation.sol";
import {TestBase} from "./Vm.sol";

/// @notice Every packed word round-trips: what its constructor packs, its getters give back, and no field spills into
///         another (the engine's twins are checked against these in test/contracts/words.test.ts).
contract PackedWordsTest is TestBase {
    /// BidWord: each field back from its getter; cancelling clears the side only; its order entry keeps participant,
    /// Wh and price where the bid has them and carries the bid index.
    function testFuzz_bidWordRoundTrip(address participant, uint8 side, uint24 wh, uint32 price, uint32 bidIndex)
        public
        pure
    {
        side = uint8(bound(side, 0, uint8(Side.Buy)));
        BidWord w = BidWords.pack(participant, side, wh, price);
        assertTrue(w.participant() == participant, "participant");
        assertEq(uint8(w.side()), side, "side");
        assertEq(w.wh(), wh, "wh");
        assertEq(w.price(), price, "price");
        BidWord gone = w.cancelled();
        assertTrue(gone.side() == Side.None, "cancelled");
        assertTrue(gone.participant() == participant && gone.wh() == wh && gone.price() == price, "cancel keeps terms");
        OrderEntry e = w.entry(bidIndex);
        assertTrue(e.participant() == participant, "entry participant");
        assertEq(e.wh(), wh, "entry wh");
        assertEq(e.price(), price, "entry price");
        assertEq(e.bidIndex(), bidIndex, "entry bid index");
        assertEq(OrderEntry.unwrap(OrderEntries.pack(bidIndex, participant, wh, price)), OrderEntry.unwrap(e), "same entry");
    }

    /// ReadingWord: each field back from its getter.
    function testFuzz_readingWordRoundTrip(address participant, uint8 supplier, uint32 importWh, uint32 exportWh)
        public
        pure
    {
        ReadingWord r = ReadingWords.pack(participant, supplier, importWh, exportWh);
        assertTrue(r.participant() == participant, "participant");
        assertEq(r.supplier(), supplier, "supplier");
        assertEq(r.importWh(), importWh, "import");
        assertEq(r.exportWh(), exportWh, "export");
    }

    /// BillWord: each field back; the grid residual keeps its sign (import positive, export negative).
    function testFuzz_billWordRoundTrip(address participant, uint32 bought, uint32 sold, uint32 grid, bool exporting)
        public
        pure
    {
        grid = uint32(bound(grid, 0, uint32(type(int32).max)));
        (uint32 gridIn, uint32 gridOut) = exporting ? (uint32(0), grid) : (grid, uint32(0));
        BillWord b = BillWords.pack(participant, bought, sold, gridIn, gridOut);
        assertTrue(b.participant() == participant, "participant");
        assertEq(b.boughtWh(), bought, "bought");
        assertEq(b.soldWh(), sold, "sold");
        int256 expected = exporting ? -int256(uint256(grid)) : int256(uint256(grid));
        assertTrue(int256(b.grid()) == expected, "grid with its sign");
    }

    mapping(address => Participant) internal _registrations;

    /// RegistrationWord reads each field where Solidity stores the Participant struct.
    function testFuzz_registrationWordMatchesTheStruct(
        address who,
        uint8 class,
        uint8 supplier,
        uint24 importLimitWh,
        uint24 exportLimitWh,
        uint64 meteringPoint,
        uint128 owed
    ) public {
        class = uint8(bound(class, 0, uint8(ParticipantClass.PvBattery)));
        _registrations[who] = Participant(ParticipantClass(class), supplier, importLimitWh, exportLimitWh, meteringPoint, owed);
        RegistrationWord w = RegistrationWords.load(_registrations, who);
        assertEq(w.class(), class, "class");
        assertTrue(w.isRegistered() == (class != 0), "registered");
        assertEq(w.supplier(), supplier, "supplier");
        assertEq(w.importLimitWh(), importLimitWh, "import limit");
        assertEq(w.exportLimitWh(), exportLimitWh, "export limit");
        assertEq(w.meteringPoint(), meteringPoint, "metering point");
        assertEq(w.owed(), owed, "owed");
    }

    /// The billing's transient words live at their ERC-7201 namespace, not at raw addresses.
    function testFillsSlotIsItsNamespace() public pure {
        assertEq(
            uint256(MarketBilling.FILLS_SLOT),
            uint256(SlotDerivation.erc7201Slot("kiezstrom.MarketBilling.fills")),
            "FILLS_SLOT is erc7201Slot(kiezstrom.MarketBilling.fills)"
        );
    }

    /// SignedTerms: each field back, in the order the relay reads them.
    function testFuzz_signedTermsRoundTrip(uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline)
        public
        pure
    {
        SignedTerms t = SignedTermsWords.pack(side, wh, price, nonce, deadline);
        (uint8 side_, uint24 wh_, uint32 price_, uint32 nonce_, uint64 deadline_) = t.unpack();
        assertEq(side_, side, "side");
        assertEq(wh_, wh, "wh");
        assertEq(price_, price, "price");
        assertEq(nonce_, nonce, "nonce");
        assertEq(deadline_, deadline, "deadline");
        assertEq(SignedTerms.unwrap(t) >> 160, 0, "nothing above the side");
    }

    /// OrderRef round trip: a direct reference and a handed-back one keep their index, and say which they are.
    function testFuzz_orderRefRoundTrip(uint32 index) public pure {
        index = uint32(bound(index, 0, (uint256(1) << 31) - 1));
        OrderRef direct = OrderRefs.direct(index);
        OrderRef relayed = OrderRefs.handedBack(index);
        assertTrue(!direct.isHandedBack() && relayed.isHandedBack(), "kind");
        assertEq(direct.index(), index, "direct index");
        assertEq(relayed.index(), index, "handed-back position");
        assertEq(OrderRef.unwrap(direct), index, "a direct reference is the bid index itself");
    }

    /// AccountWord round trip: every field packed comes back from its getter, and a setter leaves the other fields.
    function testFuzz_accountWordRoundTrip(
        uint96 free,
        uint64 locked,
        uint24 nonce,
        uint32 tallyInterval,
        uint8 bids,
        bool debt,
        uint32 sold,
        uint32 bought
    ) public pure {
        bids = uint8(bound(bids, 0, AccountWords.MAX_TALLY_BIDS));
        sold = uint32(bound(sold, 0, AccountWords.MAX_TALLY_WH));
        bought = uint32(bound(bought, 0, AccountWords.MAX_TALLY_WH));
        AccountWord w = AccountWords.pack(free, locked, nonce, tallyInterval, bids, debt, sold, bought);
        assertEq(w.free(), free, "free");
        assertEq(w.lockedUnits(), locked, "locked");
        assertEq(w.bidNonce(), nonce, "nonce");
        assertEq(w.tallyInterval(), tallyInterval, "tally interval");
        assertEq(w.tallyBids(), bids, "tally bids");
        assertTrue(w.inDebt() == debt, "debt flag");
        assertEq(w.tallySoldWh(), sold, "sold");
        assertEq(w.tallyBoughtWh(), bought, "bought");
        AccountWord moved = w.withFree(free / 3).withNextNonce();
        assertEq(moved.free(), free / 3, "free set");
        assertEq(moved.bidNonce(), (uint256(nonce) + 1) % (1 << 24), "nonce wraps in its field");
        assertEq(moved.lockedUnits(), locked, "locked kept");
        assertEq(moved.tally(), w.tally(), "tally kept");
        assertTrue(moved.inDebt() == debt, "debt kept");
    }

    /// A value wider than its field is refused, never spilled into the next field.
    function testAccountWordRefusesOverflow() public {
        AccountHarness h = new AccountHarness();
        vm.expectRevert(abi.encodeWithSelector(AccountWords.AccountFieldOverflow.selector, 0, uint256(1) << 96));
        h.withFree(uint256(1) << 96);
    }
}

contract AccountHarness {
    function withFree(uint256 value) external pure returns (AccountWord) {
        AccountWord w;
        return w.withFree(value);
    }
}
