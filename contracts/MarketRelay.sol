// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {AccountSlot, Ledger} from "./Ledger.sol";
import {IKiezMarketErrors as E, IKiezMarketEvents as Ev} from "./IKiezMarket.sol";
import {MarketMath} from "./MarketMath.sol";
import {BidWord, BidWords, RegistrationWord, RegistrationWords, SignedTerms} from "./MarketWords.sol";
import {AccountWord, AccountWords} from "./AccountWord.sol";
import {
    Bid, BidBatch, BidRingSlot, Interval, IntervalState, Participant, ParticipantClass, Phase, Side, Tariff
} from "./MarketTypes.sol";

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
    /// @notice The largest s of a signature taken: half the secp256k1 order (as OpenZeppelin's ECDSA).
    uint256 internal constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @notice The most bids one relayed submission may carry: whoever cancels one of them hands the batch back.
    uint256 internal constant MAX_BATCH = 256;
    /// @notice The smallest bid, Wh: with the per-interval caps it bounds the bids one participant can make.
    uint24 internal constant MIN_BID_WH = 10;
    /// @notice The most live bids one participant may have in one interval (both sides together).
    uint256 internal constant MAX_PARTICIPANT_BIDS = AccountWords.MAX_TALLY_BIDS;

    /// @notice A bid signed off-chain by a participant (EIP-712 type `Bid`, with the batch's interval) and submitted
    ///         by anyone. `terms` packs its side, Wh, price, nonce and deadline (SignedTerms, contracts/MarketWords.sol);
    ///         the signature is in its 64-byte form (EIP-2098: r, and s with the
    ///         parity of v in its top bit). The signer is recovered, not sent.
    struct SignedBid {
        SignedTerms terms;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice What a batch's signatures are checked against, and how many live bids its interval takes at most.
    struct Batch {
        uint32 interval;
        bytes32 domainSeparator;
        uint8 supplierCount;
        uint32 bidCap;
    }

    /// @notice What a bid is checked against, taken from its participant's supplier's tariff (setBounds).
    struct BidBounds {
        uint256 feedInTariff;
        uint256 energyPrice;
        uint256 lemCharges;
        uint256 timeOfUse;
    }

    /// @notice Places a bid from the caller's own wallet in the interval's ring slot (KiezMarket.placeBid).
    function placeBid(
        IntervalState storage st,
        BidRingSlot storage ring,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        uint32 interval,
        uint32 bidCap,
        Side side,
        uint24 wh,
        uint32 price
    ) external returns (uint32 bidIndex) {
        Interval storage iv = st.info;
        if (iv.sellCount + iv.buyCount >= bidCap) revert E.IntervalBidsFull(interval, bidCap);
        Participant memory p = ledger.participants[msg.sender];
        uint64 lock = checkBid(msg.sender, p, tariffs[p.supplier][iv.tariffEpoch], uint8(side), wh, price);
        uint24 limit = side == Side.Sell ? p.exportLimitWh : p.importLimitWh;
        AccountSlot slot = ledger.slotOf(msg.sender);
        slot.store(tallyBid(slot.load(), msg.sender, interval, uint8(side), wh, limit, lock));
        if (side == Side.Buy) {
            iv.lockUnits += lock;
            ++iv.buyCount;
        } else {
            ++iv.sellCount;
        }
        bidIndex = iv.bidCount++;
        ring.bids[bidIndex] = Bid(msg.sender, side, wh, price, interval);
        emit Ev.BidPlaced(interval, bidIndex, msg.sender, side, wh, price);
    }

    /// @notice Cancels a direct bid: its owner's before gate closure, anyone's once the interval is refunding (its
    ///         lock then goes back to its owner).
    function cancelBid(
        IntervalState storage st,
        BidRingSlot storage ring,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        uint32 interval,
        uint32 bidIndex
    ) external {
        Interval storage iv = st.info;
        bool refunding = requireCancellable(iv, interval);
        Bid storage b = ring.bids[bidIndex];
        if (b.side == Side.None || b.interval != interval || bidIndex >= iv.bidCount) revert E.BidNotFound(interval, bidIndex);
        address owner = b.participant;
        if (!refunding && owner != msg.sender) revert E.BidNotOwner(interval, bidIndex, msg.sender);
        release(iv, ledger, tariffs, interval, owner, uint8(b.side), b.wh, b.price);
        b.side = Side.None;
        emit Ev.BidCancelled(interval, bidIndex, owner);
    }

    /// @notice Accepts a batch of signed bids for an open interval and stores its digest.
    function submitSignedBids(
        IntervalState storage st,
        BidRingSlot storage ring,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        Batch calldata batch,
        SignedBid[] calldata signed
    ) external {
        Interval storage iv = st.info;
        uint256 count = signed.length;
        if (count == 0 || count > MAX_BATCH) revert E.BidBatchSize(count, MAX_BATCH);
        uint16 epoch = iv.tariffEpoch;
        (uint32 interval, bytes32 domain) = (batch.interval, batch.domainSeparator);
        // each supplier's bounds computed once per batch; a set tariff has energyPrice > feedInTariff + 1 > 0
        BidBounds[] memory bounds = new BidBounds[](batch.supplierCount);
        BidWord[] memory bids = new BidWord[](count);
        uint256 placed;
        uint256 buys;
        uint256 lockUnits;
        for (uint256 i = 0; i < count; ++i) {
            (BidWord word, uint64 lock) =
                takeSignedBid(ledger, tariffs, bounds, epoch, interval, domain, signed[i]);
            if (BidWord.unwrap(word) == 0) continue;
            // cannot overflow: at most 256 bids, each lock below 2^57 (2^24 Wh times under 2^33 per kWh); a buy's lock
            // is never zero (at least 10 Wh at a price of at least 1), a sell's always is
            unchecked {
                if (lock != 0) ++buys;
                lockUnits += lock;
            }
            // placed < count, the array's length: no bounds check needed
            assembly ("memory-safe") {
                mstore(add(add(bids, 0x20), shl(5, placed)), word)
                placed := add(placed, 1)
            }
        }
        if (placed == 0) return;
        assembly ("memory-safe") {
            mstore(bids, placed)
        }
        if (iv.sellCount + iv.buyCount + placed > batch.bidCap) revert E.IntervalBidsFull(interval, batch.bidCap);
        iv.sellCount += uint32(placed - buys);
        iv.buyCount += uint32(buys);
        iv.lockUnits = (iv.lockUnits + lockUnits).toUint64();
        uint32 number = iv.batchCount++;
        uint32 first = iv.bidCount;
        iv.bidCount = first + uint32(placed);
        ring.batches[number] = MarketMath.batchDigest(interval, first, bids);
        emit Ev.BidsPlaced(interval, number, first, bids);
    }

    /// @dev Checks one signed bid and enters it in its signer's account (nonce, tally, lock); returns its bid word and
    ///      lock, or a zero word for a bid skipped because its nonce was already used.
    function takeSignedBid(
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        BidBounds[] memory bounds,
        uint16 epoch,
        uint32 interval,
        bytes32 domain,
        SignedBid calldata sb
    ) private returns (BidWord word, uint64 lock) {
        (uint8 side, uint24 wh, uint32 price, uint32 nonce, uint64 deadline) = sb.terms.unpack();
        if (block.timestamp > deadline) revert E.SignatureExpired(deadline, block.timestamp);
        address participant = recoverSigner(domain, interval, sb, side, wh, price, nonce, deadline);
        // the registration read as one word, not copied into a struct per bid
        RegistrationWord registration = RegistrationWords.load(ledger.participants, participant);
        if (!registration.isRegistered()) {
            if (participant == address(0)) revert E.SignatureInvalid(participant);
            revert E.SignatureSignerNotRegistered(participant);
        }
        AccountSlot slot = ledger.slotOf(participant);
        AccountWord acct = slot.load();
        uint32 expected = acct.bidNonce();
        if (nonce != expected) {
            // A bid lifted out of this batch and relayed first must not sink the rest of the batch.
            if (nonce < expected) {
                emit Ev.SignedBidSkipped(interval, participant, nonce, expected);
                return (BidWord.wrap(0), 0);
            }
            revert E.SignatureWrongNonce(participant, expected, nonce);
        }
        uint8 supplier = registration.supplier();
        BidBounds memory b = bounds[supplier];
        if (b.energyPrice == 0) setBounds(b, tariffs[supplier][epoch], true);
        lock = checkLimits(side, wh, b, price);
        uint24 limit;
        if (side == uint8(Side.Sell)) {
            if (registration.meteringPoint() == 0) revert E.BidSellerNotMetered(participant);
            limit = registration.exportLimitWh();
        } else {
            limit = registration.importLimitWh();
        }
        slot.store(tallyBid(acct.withNextNonce(), participant, interval, side, wh, limit, lock));
        // side is Sell or Buy: checkLimits refused any other
        word = BidWords.pack(participant, side, wh, price);
    }

    /// @notice Cancels the relayed bid at `position` of `batch`, handed back as placed (with earlier cancellations):
    ///         its owner's before gate closure, anyone's once the interval is refunding; releases its lock to its owner.
    function cancelSignedBid(
        IntervalState storage st,
        BidRingSlot storage ring,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        uint32 interval,
        BidBatch calldata batch,
        uint32 position
    ) external {
        Interval storage iv = st.info;
        bool refunding = requireCancellable(iv, interval);
        BidWord[] memory bids = requireBatch(iv, ring, interval, batch);
        uint32 bidIndex = batch.firstBidIndex + position;
        if (position >= bids.length) revert E.BidNotFound(interval, bidIndex);
        BidWord w = bids[position];
        Side side = w.side();
        if (side == Side.None) revert E.BidNotFound(interval, bidIndex);
        address owner = w.participant();
        if (!refunding && owner != msg.sender) revert E.BidNotOwner(interval, bidIndex, msg.sender);
        release(iv, ledger, tariffs, interval, owner, uint8(side), w.wh(), w.price());
        bids[position] = w.cancelled();
        ring.batches[batch.batch] = MarketMath.batchDigest(interval, batch.firstBidIndex, bids);
        emit Ev.BidCancelled(interval, bidIndex, owner);
    }

    /// @notice A relayed batch handed back, checked against its stored digest; returns its bids in memory.
    function requireBatch(
        Interval storage iv,
        BidRingSlot storage ring,
        uint32 interval,
        BidBatch calldata batch
    ) internal view returns (BidWord[] memory bids) {
        bids = batch.bids;
        if (
            batch.batch >= iv.batchCount
                || MarketMath.batchDigest(interval, batch.firstBidIndex, bids) != ring.batches[batch.batch]
        ) revert E.BidBatchMismatch(interval, batch.batch);
    }

    /// @notice A bid entered in its participant's account word: the per-interval tally and, for a buy, its lock.
    ///         A participant bids interval by interval (no bid for an interval before the latest one they bid in),
    ///         with at most MAX_PARTICIPANT_BIDS live bids and their registered limit of Wh on each side per interval.
    function tallyBid(
        AccountWord acct,
        address participant,
        uint32 interval,
        uint8 side,
        uint24 wh,
        uint24 limitWh,
        uint64 lock
    ) internal pure returns (AccountWord) {
        // the tally as one number (AccountWords.tally): bids | soldWh << 3 | boughtWh << 21 | interval << 39
        uint256 t = acct.tally();
        uint32 latest = uint32(t >> AccountWords.TALLY_INTERVAL);
        if (interval != latest) {
            if (interval < latest) revert E.BidIntervalBehind(participant, latest, interval);
            t = uint256(interval) << AccountWords.TALLY_INTERVAL;
        }
        if (t & AccountWords.BIDS_MASK == MAX_PARTICIPANT_BIDS) {
            revert E.BidCountAboveLimit(participant, interval, MAX_PARTICIPANT_BIDS);
        }
        // cannot overflow a field: a side's sum is checked against a limit below 2^18, the count against its maximum
        unchecked {
            if (side == uint8(Side.Sell)) {
                uint256 sold = ((t >> AccountWords.TALLY_SOLD) & AccountWords.WH_MASK) + wh;
                if (sold > limitWh) revert E.BidEnergyAboveLimit(uint32(sold), limitWh);
                t += (uint256(wh) << AccountWords.TALLY_SOLD) + 1;
            } else {
                uint256 bought = ((t >> AccountWords.TALLY_BOUGHT) & AccountWords.WH_MASK) + wh;
                if (bought > limitWh) revert E.BidEnergyAboveLimit(uint32(bought), limitWh);
                t += (uint256(wh) << AccountWords.TALLY_BOUGHT) + 1;
                uint256 lockWei = uint256(lock) * MarketMath.WEI_PER_UNIT;
                uint256 free = acct.free();
                if (free < lockWei) revert E.LedgerInsufficientFree(participant, lockWei, free);
                uint256 locked = acct.lockedUnits() + lock;
                if (locked > AccountWords.LOCKED_MASK) {
                    revert AccountWords.AccountFieldOverflow(AccountWords.LOCKED_SHIFT, locked);
                }
                // the free and locked fields moved in place: free - lockWei >= 0 and locked fit their fields
                acct = AccountWord.wrap(AccountWord.unwrap(acct) - lockWei + (uint256(lock) << AccountWords.LOCKED_SHIFT));
            }
        }
        return acct.withTallyWord(t);
    }

    /// @notice The reverse of tallyBid for a cancelled bid: its lock released; the tally lowered if it is still
    ///         the bid's interval's (once the participant has bid in a later interval, the old tally is gone).
    function untallyBid(AccountWord acct, uint32 interval, uint8 side, uint24 wh, uint64 lock)
        internal
        pure
        returns (AccountWord)
    {
        if (side == uint8(Side.Buy)) {
            acct = acct.withFree(acct.free() + uint256(lock) * MarketMath.WEI_PER_UNIT)
                .withLockedUnits(acct.lockedUnits() - lock);
        }
        uint256 t = acct.tally();
        if (uint32(t >> AccountWords.TALLY_INTERVAL) != interval) return acct;
        // cannot underflow: the tally of the bid's interval counts the bid
        unchecked {
            t -= (uint256(wh) << (side == uint8(Side.Sell) ? AccountWords.TALLY_SOLD : AccountWords.TALLY_BOUGHT)) + 1;
        }
        return acct.withTallyWord(t);
    }

    /// @dev The signer of a bid's EIP-712 digest, refusing a high-s twin of a signature as OpenZeppelin's ECDSA does. The
    ///      struct hash and the digest are written out in one piece of memory rather than with abi.encode and
    ///      MessageHashUtils: the same bytes, without a fresh allocation for every bid of a batch.
    function recoverSigner(
        bytes32 domain,
        uint32 interval,
        SignedBid calldata sb,
        uint8 side,
        uint24 wh,
        uint32 price,
        uint32 nonce,
        uint64 deadline
    ) private pure returns (address signer) {
        bytes32 typeHash = BID_TYPEHASH;
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
            // the EIP-712 digest, as MessageHashUtils.toTypedDataHash(domain, structHash) makes it, in the same memory
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domain)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
        // OpenZeppelin's ECDSA.tryRecover(digest, r, vs) makes the same checks; measured through it a relayed bid costs
        // 210 gas more (14,994 -> 15,204 a bid in `npm run bench:gas`, past the 15,000 target), so its checks are
        // written out here: s in the lower half of the curve order (no second signature of the same bid), and a signer.
        bytes32 vs = sb.vs;
        bytes32 s = vs & bytes32(type(uint256).max >> 1);
        if (uint256(s) > HALF_CURVE_ORDER) revert E.SignatureMalleable(s);
        // a signature that recovers no one gives address zero, never registered: takeSignedBid refuses it by name
        signer = ecrecover(digest, uint8((uint256(vs) >> 255) + 27), sb.r, s);
    }

    /// @notice Checks a bid against the participant's registration, limits and tariff (`FiT < ask < EP`,
    ///         `bid < EP`, bid plus LEM charges < ToU); returns a buy bid's lock (worst-case cost) in units.
    function checkBid(address participant, Participant memory p, Tariff memory t, uint8 side, uint24 wh, uint32 price)
        internal
        pure
        returns (uint64 lock)
    {
        if (p.class == ParticipantClass.None) revert E.ParticipantNotRegistered(participant);
        if (side == uint8(Side.Sell) && p.meteringPoint == 0) revert E.BidSellerNotMetered(participant);
        BidBounds memory b;
        setBounds(b, t, side == uint8(Side.Buy));
        return checkLimits(side, wh, b, price);
    }

    /// @dev What `checkLimits` needs of a tariff; the charges only matter to buy bids.
    function setBounds(BidBounds memory b, Tariff memory t, bool forBuys) private pure {
        b.feedInTariff = t.feedInTariff;
        b.energyPrice = t.energyPrice;
        if (forBuys) {
            b.lemCharges = MarketMath.lemCharges(t);
            b.timeOfUse = MarketMath.timeOfUse(t);
        }
    }

    /// @dev checkBid's price and size bounds (the per-interval energy limits are tallyBid's).
    function checkLimits(uint8 side, uint24 wh, BidBounds memory b, uint32 price) private pure returns (uint64 lock) {
        if (wh < MIN_BID_WH) {
            if (wh == 0) revert E.BidZeroEnergy();
            revert E.BidBelowMinimum(wh, MIN_BID_WH);
        }
        if (side == uint8(Side.Sell)) {
            if (price <= b.feedInTariff || price >= b.energyPrice) {
                revert E.BidAskOutOfRange(price, uint32(b.feedInTariff), uint32(b.energyPrice));
            }
        } else if (side == uint8(Side.Buy)) {
            if (price == 0) revert E.BidPriceZero();
            if (price >= b.energyPrice) revert E.BidPriceNotBelowEnergyPrice(price, uint32(b.energyPrice));
            uint256 total = uint256(price) + b.lemCharges;
            if (total >= b.timeOfUse) revert E.BidTotalNotBelowTimeOfUse(price, total, b.timeOfUse);
            lock = MarketMath.lockUnits(b.lemCharges, wh, price);
        } else {
            revert E.BidInvalidSide(side);
        }
    }

    /// @dev Whether a bid of the interval may be cancelled, and by whom: by its owner while the interval takes bids
    ///      (false), by anyone while it is refunding (true).
    function requireCancellable(Interval storage iv, uint32 interval) internal view returns (bool refunding) {
        if (iv.phase == Phase.Refunding) return true;
        if (iv.phase != Phase.Open) revert E.IntervalWrongPhase(interval, iv.phase);
        if (block.timestamp >= iv.gateClosesAt) revert E.IntervalGateClosed(interval, iv.gateClosesAt, block.timestamp);
    }

    /// @notice Uncounts a cancelled bid and releases a buy bid's lock to its owner's free balance; a refunding interval
    ///         is Refunded once its last buy bid is released.
    function release(
        Interval storage iv,
        Ledger storage ledger,
        mapping(uint8 => mapping(uint16 => Tariff)) storage tariffs,
        uint32 interval,
        address owner,
        uint8 side,
        uint24 wh,
        uint32 price
    ) internal {
        uint64 lock;
        if (side == uint8(Side.Buy)) {
            Tariff memory t = tariffs[ledger.participants[owner].supplier][iv.tariffEpoch];
            lock = MarketMath.buyLockUnits(t, wh, price);
            iv.lockUnits -= lock;
            if (--iv.buyCount == 0 && iv.phase == Phase.Refunding) {
                iv.phase = Phase.Refunded;
                emit Ev.IntervalRefunded(interval);
            }
        } else {
            --iv.sellCount;
        }
        AccountSlot slot = ledger.slotOf(owner);
        slot.store(untallyBid(slot.load(), interval, side, wh, lock));
    }
}
