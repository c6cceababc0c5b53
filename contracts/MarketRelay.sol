// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {Account, BidBatch, Interval, Participant, ParticipantClass, Side, Tariff} from "./MarketTypes.sol";

/// @title MarketRelay
/// @notice Bids of KiezMarket: their bounds, and EIP-712 signed bids relayed in batches, run on the market's storage
///         by delegatecall (a linked library keeps the market under the 24 KB code limit). A relayed batch is
///         stored as one digest: its bids travel in the BidsPlaced event and come back in calldata when the
///         interval is ordered or one of them is cancelled, so a relayed bid writes only its signer's account.
library MarketRelay {
    using SafeCast for uint256;

    /// @notice The signed bid. Its signer is the participant, so the address is not part of the message.
    bytes32 internal constant BID_TYPEHASH =
        keccak256("Bid(uint32 interval,uint8 side,uint24 wh,uint32 price,uint32 nonce,uint64 deadline)");
    /// @notice The most bids one relayed submission may carry: whoever cancels one of them hands the batch back.
    uint256 internal constant MAX_BATCH = 256;

    /// @notice A bid signed off-chain by a participant (EIP-712 type `Bid`, with the batch's interval) and submitted
    ///         by anyone. `terms` packs side << 152 | wh << 128 | price << 96 | nonce << 64 | deadline
    ///         (MarketMath.unpackSignedTerms); the signature is in its 64-byte form (EIP-2098: r, and s with the
    ///         parity of v in its top bit). The signer is recovered, not sent.
    struct SignedBid {
        uint256 terms;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice What a batch's signatures are checked against.
    struct Batch {
        uint32 interval;
        bytes32 domainSeparator;
        uint8 supplierCount;
    }

    /// @dev What a relayed batch carries from one signed bid to the next: each supplier's tariff read once, and
    ///      the interval's counters, written once per batch.
    struct Running {
        uint16 epoch;
        Tariff[] tariffs;
        uint256 loaded; // bit s: tariffs[s] read
        uint32 sells;
        uint32 buys;
        uint64 lockUnits;
    }

    /// @notice Accepts a batch of signed bids for an open interval and stores its digest.
    function submitSignedBids(
        Interval storage iv,
        mapping(address => Participant) storage participants,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(address => Account) storage accounts,
        mapping(uint32 => bytes32) storage batchDigests,
        Batch calldata batch,
        SignedBid[] calldata signed
    ) external {
        if (signed.length == 0 || signed.length > MAX_BATCH) revert E.BidBatchSize(signed.length, MAX_BATCH);
        Running memory run;
        run.epoch = iv.tariffEpoch;
        run.tariffs = new Tariff[](batch.supplierCount);
        uint256[] memory bids = new uint256[](signed.length);
        for (uint256 i = 0; i < signed.length; ++i) {
            bids[i] = acceptSigned(participants, tariffs, accounts, batch, signed[i], run);
        }
        iv.sellCount += run.sells;
        iv.buyCount += run.buys;
        iv.lockUnits += run.lockUnits;
        uint32 number = iv.batchCount++;
        uint32 first = iv.bidCount;
        iv.bidCount = first + uint32(signed.length);
        batchDigests[number] = MarketMath.batchDigest(batch.interval, first, bids);
        emit Ev.BidsPlaced(batch.interval, number, first, bids);
    }

    /// @notice Cancels the caller's relayed bid at `position` of `batch`, handed back as placed (with earlier
    ///         cancellations), and releases its lock.
    function cancelSignedBid(
        Interval storage iv,
        mapping(address => Participant) storage participants,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(address => Account) storage accounts,
        mapping(uint32 => bytes32) storage batchDigests,
        uint32 interval,
        BidBatch calldata batch,
        uint32 position
    ) external {
        uint256[] memory bids = requireBatch(iv, batchDigests, interval, batch);
        uint32 bidIndex = batch.firstBidIndex + position;
        if (position >= bids.length) revert E.BidNotFound(interval, bidIndex);
        uint256 w = bids[position];
        uint8 side = MarketMath.bidSide(w);
        if (side == uint8(Side.None)) revert E.BidNotFound(interval, bidIndex);
        if (MarketMath.entryParticipant(w) != msg.sender) revert E.BidNotOwner(interval, bidIndex, msg.sender);
        release(iv, participants, tariffs, accounts, side, MarketMath.entryWh(w), MarketMath.entryPrice(w));
        bids[position] = MarketMath.cancelled(w);
        batchDigests[batch.batch] = MarketMath.batchDigest(interval, batch.firstBidIndex, bids);
        emit Ev.BidCancelled(interval, bidIndex, msg.sender);
    }

    /// @notice A relayed batch handed back, checked against its stored digest; returns its bids in memory.
    function requireBatch(
        Interval storage iv,
        mapping(uint32 => bytes32) storage batchDigests,
        uint32 interval,
        BidBatch calldata batch
    ) internal view returns (uint256[] memory bids) {
        bids = batch.bids;
        if (
            batch.batch >= iv.batchCount
                || MarketMath.batchDigest(interval, batch.firstBidIndex, bids) != batchDigests[batch.batch]
        ) revert E.BidBatchMismatch(interval, batch.batch);
    }

    /// @dev Checks one signed bid, takes its nonce (and for a buy its lock) in one write of the signer's account,
    ///      and returns its bid word.
    function acceptSigned(
        mapping(address => Participant) storage participants,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(address => Account) storage accounts,
        Batch calldata batch,
        SignedBid calldata sb,
        Running memory run
    ) private returns (uint256) {
        (uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline) = MarketMath.unpackSignedTerms(sb.terms);
        if (block.timestamp > deadline) revert E.SignatureExpired(deadline, block.timestamp);
        address participant = recoverSigner(batch, sb, side, wh, price, nonce, deadline);
        // the registration read as one word, not copied into a struct per bid (layout: Participant)
        Participant storage registration = participants[participant];
        uint256 profile;
        assembly ("memory-safe") {
            profile := sload(registration.slot)
        }
        if (uint8(profile) == uint8(ParticipantClass.None)) revert E.SignatureSignerNotRegistered(participant);
        uint8 supplier = uint8(profile >> 8);
        if (run.loaded & (1 << supplier) == 0) {
            run.tariffs[supplier] = tariffs[supplier][run.epoch];
            run.loaded |= 1 << supplier;
        }
        uint64 lock = checkLimits(side, wh, uint24(profile >> 16), uint24(profile >> 40), run.tariffs[supplier], price);
        Account storage acct = accounts[participant];
        // One read and one write of the signer's account for nonce and lock (layout: MarketSettlement.storeAccount).
        uint256 word;
        assembly ("memory-safe") {
            word := sload(acct.slot)
        }
        uint32 expected = uint32(word >> 224);
        if (nonce != expected) revert E.SignatureWrongNonce(participant, expected, nonce);
        uint256 lockWei = uint256(lock) * MarketMath.WEI_PER_UNIT;
        uint256 free = uint96(word);
        if (free < lockWei) revert E.LedgerInsufficientFree(participant, lockWei, free);
        // cannot underflow: checked just above; cannot overflow: free + locked never exceeds deposits (< 2^96), the
        // nonce would need 2^32 signed bids of one participant, and the counters stay below a batch's 256 bids
        unchecked {
            word = (word - lockWei + (lockWei << 96) + (uint256(1) << 224));
            if (side == uint8(Side.Buy)) {
                ++run.buys;
                run.lockUnits += lock;
            } else {
                ++run.sells;
            }
        }
        assembly ("memory-safe") {
            sstore(acct.slot, word)
        }
        return MarketMath.packBid(participant, Side(side), wh, price);
    }

    /// @dev The signer of a bid's EIP-712 digest, hashed in scratch memory. A malleable twin of a signature is
    ///      harmless here: the nonce it carries is spent by whichever is relayed first.
    function recoverSigner(
        Batch calldata batch,
        SignedBid calldata sb,
        uint8 side,
        uint24 wh,
        uint32 price,
        uint32 nonce,
        uint64 deadline
    ) private pure returns (address signer) {
        bytes32 typeHash = BID_TYPEHASH;
        uint32 interval = batch.interval;
        bytes32 domain = batch.domainSeparator;
        bytes32 digest;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), interval)
            mstore(add(ptr, 0x40), side)
            mstore(add(ptr, 0x60), wh)
            mstore(add(ptr, 0x80), price)
            mstore(add(ptr, 0xa0), nonce)
            mstore(add(ptr, 0xc0), deadline)
            let structHash := keccak256(ptr, 0xe0)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domain)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
        bytes32 vs = sb.vs;
        signer = ecrecover(digest, uint8((uint256(vs) >> 255) + 27), sb.r, vs & bytes32(type(uint256).max >> 1));
        if (signer == address(0)) revert E.SignatureInvalid(signer);
    }

    /// @notice Checks a bid against the participant's registration, limits and tariff (`FiT < ask < EP`,
    ///         `bid < EP`, bid plus LEM charges < ToU); returns a buy bid's lock (worst-case cost) in units.
    function checkBid(address participant, Participant memory p, Tariff memory t, uint8 side, uint24 wh, uint32 price)
        internal
        pure
        returns (uint64 lock)
    {
        if (p.class == ParticipantClass.None) revert E.ParticipantNotRegistered(participant);
        return checkLimits(side, wh, p.importLimitWh, p.exportLimitWh, t, price);
    }

    /// @dev checkBid for a registered participant with these limits.
    function checkLimits(uint8 side, uint24 wh, uint24 importLimitWh, uint24 exportLimitWh, Tariff memory t, uint32 price)
        internal
        pure
        returns (uint64 lock)
    {
        if (wh == 0) revert E.BidZeroEnergy();
        if (side == uint8(Side.Sell)) {
            if (wh > exportLimitWh) revert E.BidEnergyAboveLimit(wh, exportLimitWh);
            if (price <= t.feedInTariff || price >= t.energyPrice) {
                revert E.BidAskOutOfRange(price, t.feedInTariff, t.energyPrice);
            }
        } else if (side == uint8(Side.Buy)) {
            if (wh > importLimitWh) revert E.BidEnergyAboveLimit(wh, importLimitWh);
            if (price == 0) revert E.BidPriceZero();
            if (price >= t.energyPrice) revert E.BidPriceNotBelowEnergyPrice(price, t.energyPrice);
            uint256 total = uint256(price) + MarketMath.lemCharges(t);
            uint256 tou = MarketMath.timeOfUse(t);
            if (total >= tou) revert E.BidTotalNotBelowTimeOfUse(price, total, tou);
            lock = MarketMath.buyLockUnits(t, wh, price);
        } else {
            revert E.BidInvalidSide(side);
        }
    }

    /// @notice Uncounts the caller's cancelled bid and releases a buy bid's lock to the caller's free balance.
    function release(
        Interval storage iv,
        mapping(address => Participant) storage participants,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        mapping(address => Account) storage accounts,
        uint8 side,
        uint24 wh,
        uint32 price
    ) internal {
        if (side == uint8(Side.Buy)) {
            Tariff memory t = tariffs[participants[msg.sender].supplier][iv.tariffEpoch];
            uint64 lock = MarketMath.buyLockUnits(t, wh, price);
            iv.lockUnits -= lock;
            --iv.buyCount;
            Account storage a = accounts[msg.sender];
            uint256 amount = uint256(lock) * MarketMath.WEI_PER_UNIT;
            a.locked -= amount.toUint96();
            a.free += uint96(amount);
        } else {
            --iv.sellCount;
        }
    }
}
