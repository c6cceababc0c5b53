// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccountWord, AccountWords} from "../AccountWord.sol";
import {
    BidWord,
    BidWords,
    BillWord,
    BillWords,
    OrderEntries,
    OrderEntry,
    ReadingWord,
    ReadingWords,
    SignedTerms,
    SignedTermsWords
} from "../MarketWords.sol";
import {OrderRef, OrderRefs} from "../OrderRef.sol";

/// @notice The packed words' constructors and getters as external calls, for the test that crosses them with the
///         engine's twins (test/contracts/words.test.ts). Not part of any deployment.
contract PackedWordsHarness {
    function packBid(address participant, uint8 side, uint24 wh, uint32 price) external pure returns (BidWord) {
        return BidWords.pack(participant, side, wh, price);
    }

    function readBid(BidWord w)
        external
        pure
        returns (address participant, uint8 side, uint24 wh, uint32 price, BidWord cancelled, OrderEntry entryAt7)
    {
        return (w.participant(), uint8(w.side()), w.wh(), w.price(), w.cancelled(), w.entry(7));
    }

    function packEntry(uint32 bidIndex, address participant, uint24 wh, uint32 price) external pure returns (OrderEntry) {
        return OrderEntries.pack(bidIndex, participant, wh, price);
    }

    function readEntry(OrderEntry e) external pure returns (uint32 bidIndex, address participant, uint24 wh, uint32 price) {
        return (e.bidIndex(), e.participant(), e.wh(), e.price());
    }

    function packReading(address participant, uint8 supplier, uint32 importWh, uint32 exportWh)
        external
        pure
        returns (ReadingWord)
    {
        return ReadingWords.pack(participant, supplier, importWh, exportWh);
    }

    function readReading(ReadingWord r)
        external
        pure
        returns (address participant, uint8 supplier, uint32 importWh, uint32 exportWh)
    {
        return (r.participant(), r.supplier(), r.importWh(), r.exportWh());
    }

    function packBill(address participant, uint32 bought, uint32 sold, uint32 gridImportWh, uint32 gridExportWh)
        external
        pure
        returns (BillWord)
    {
        return BillWords.pack(participant, bought, sold, gridImportWh, gridExportWh);
    }

    function readBill(BillWord b) external pure returns (address participant, uint32 bought, uint32 sold, int32 grid) {
        return (b.participant(), b.boughtWh(), b.soldWh(), b.grid());
    }

    function packTerms(uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline)
        external
        pure
        returns (SignedTerms)
    {
        return SignedTermsWords.pack(side, wh, price, nonce, deadline);
    }

    function readTerms(SignedTerms t)
        external
        pure
        returns (uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline)
    {
        return t.unpack();
    }

    function packOrderRef(uint32 index, bool handedBack) external pure returns (OrderRef) {
        return handedBack ? OrderRefs.handedBack(index) : OrderRefs.direct(index);
    }

    function readOrderRef(OrderRef ref) external pure returns (bool handedBack, uint32 index) {
        return (ref.isHandedBack(), ref.index());
    }

    function packAccount(
        uint256 free,
        uint256 lockedUnits,
        uint32 bidNonce,
        uint32 tallyInterval,
        uint256 tallyBids,
        bool inDebt,
        uint256 tallySoldWh,
        uint256 tallyBoughtWh
    ) external pure returns (AccountWord) {
        return AccountWords.pack(free, lockedUnits, bidNonce, tallyInterval, tallyBids, inDebt, tallySoldWh, tallyBoughtWh);
    }

    function readAccount(AccountWord w)
        external
        pure
        returns (
            uint256 free,
            uint256 lockedUnits,
            uint32 bidNonce,
            uint32 tallyInterval,
            uint8 tallyBids,
            bool inDebt,
            uint32 tallySoldWh,
            uint32 tallyBoughtWh
        )
    {
        return (
            w.free(), w.lockedUnits(), w.bidNonce(), w.tallyInterval(), w.tallyBids(), w.inDebt(), w.tallySoldWh(),
            w.tallyBoughtWh()
        );
    }
}
