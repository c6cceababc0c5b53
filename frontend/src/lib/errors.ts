/**
 * Every failure a household can meet, in words: wallet refusals, wrong network, missing funds, an
 * unreachable node, and each custom error of the market and the token decoded with its values.
 */
import { BaseError, ContractFunctionRevertedError, HttpRequestError, InsufficientFundsError, UserRejectedRequestError } from "viem";

import { formatCt, formatEuro, formatKWh } from "./amounts";
import { PHASE } from "@kiezstrom/engine/market/onchain";
import { clockTime, dateTime } from "./time";

const time = (seconds: bigint | number) => clockTime(Number(seconds));
const intervalTime = (interval: bigint | number) => time(BigInt(interval) * 900n);
const euro = (wei: unknown) => formatEuro(BigInt(wei as bigint), 2);

/** Household words for each custom error, from its decoded arguments. */
const MESSAGES: Record<string, (a: readonly unknown[]) => string> = {
  ParticipantNotRegistered: () => "This address is not registered in the community yet. Register first.",
  ParticipantAlreadyRegistered: () => "This address is already registered in the community.",
  ParticipantInvalidClass: () => "Choose a household type: consumer, PV, or PV with battery.",
  ParticipantConsumerCannotExport: () => "A household without PV cannot sell: set its export limit to 0.",
  MarketUnknownSupplier: (a) => `Supplier ${Number(a[0]) + 1} does not exist in this community (it has ${a[1]}).`,
  LedgerZeroAmount: () => "Enter an amount above zero.",
  LedgerInsufficientFree: (a) => `Your free balance in the market is ${euro(a[2])}; this needs ${euro(a[1])}. Deposit more euros, or cancel an open buy bid.`,
  ERC20InsufficientBalance: (a) => `Your wallet holds ${euro(a[1])} of the euro token; this needs ${euro(a[2])}.`,
  ERC20InsufficientAllowance: (a) => `The market may take ${euro(a[1])} from your wallet; this needs ${euro(a[2])}. Approve the amount first.`,
  IntervalGateClosed: (a) => `Bidding for the ${intervalTime(a[0] as bigint)} interval closed at ${time(a[1] as bigint)}. Bid on the next interval.`,
  IntervalGateNotClosed: (a) => `Bidding for the ${intervalTime(a[0] as bigint)} interval is still open until ${time(a[1] as bigint)}.`,
  IntervalWrongPhase: (a) =>
    Number(a[1]) === 0
      ? `The ${intervalTime(a[0] as bigint)} interval is not open for bids yet.`
      : `The ${intervalTime(a[0] as bigint)} interval is closed for bids: it is already ${(PHASE[Number(a[1])] ?? String(a[1])).toLowerCase()}. Bid on the next interval.`,
  BidZeroEnergy: () => "A bid needs some energy: enter more than 0 kWh.",
  BidInvalidSide: () => "Choose whether to buy or sell.",
  BidEnergyAboveLimit: (a) =>
    `You may bid at most ${formatKWh(Number(a[1]))} a side per interval; with this bid your bids would add up to ${formatKWh(Number(a[0]))}.`,
  BidSellerNotMetered: () => "Your metering point is not confirmed yet: you can buy now, and sell once the meter operator has confirmed your meter.",
  ParticipantMeteringPointTaken: () => "That metering point already belongs to another household.",
  BidBelowMinimum: (a) => `A bid needs at least ${formatKWh(Number(a[1]))}; this one has ${formatKWh(Number(a[0]))}.`,
  BidCountAboveLimit: (a) => `You already have ${a[2]} open bids in the ${intervalTime(a[1] as bigint)} interval, the most allowed. Cancel one first.`,
  BidIntervalBehind: (a) =>
    `You have already bid for the later ${intervalTime(a[1] as bigint)} interval: bids go interval by interval, so the ${intervalTime(a[2] as bigint)} one takes no more of yours.`,
  ParticipantLimitTooHigh: (a) => `A limit may be at most ${formatKWh(Number(a[1]))} per interval; this one is ${formatKWh(Number(a[0]))}.`,
  IntervalRefundNotDue: (a) => `The ${intervalTime(a[0] as bigint)} interval can be refunded from ${dateTime(Number(a[1]))}, a day after its gate.`,
  BidAskOutOfRange: (a) =>
    `An ask must be above the feed-in tariff (${formatCt(Number(a[1]))}) and below the energy price (${formatCt(Number(a[2]))}); this one is ${formatCt(Number(a[0]))}.`,
  BidPriceNotBelowEnergyPrice: (a) => `A bid must be below the energy price of ${formatCt(Number(a[1]))}; this one is ${formatCt(Number(a[0]))}.`,
  BidPriceZero: () => "Enter a price above zero.",
  BidTotalNotBelowTimeOfUse: (a) =>
    `With fees and taxes a kWh would cost ${formatCt(Number(a[1]))}, not less than the grid's ${formatCt(Number(a[2]))}. Bid lower.`,
  BidNotFound: () => "That bid does not exist (any more).",
  BidNotOwner: () => "That bid is not yours to cancel.",
  SignatureExpired: (a) => `The signed bid expired at ${time(a[0] as bigint)}. Sign it again.`,
  SignatureInvalid: () => "The signature does not match the bid. Sign it again from the bidding account.",
  SignatureMalleable: () => "The signature is in a form the market does not take (its s value is in the upper half). Sign the bid again from your wallet.",
  SignatureSignerNotRegistered: () =>
    "The signature is not from a registered household: the bid was altered, or signed for another market or chain. Sign it again from the bidding account.",
  BidBatchMismatch: () => "That bid's batch has changed since the page was loaded. Reload and try again.",
  BidBatchSize: (a) => `A relayed batch takes 1 to ${a[1]} bids; this one has ${a[0]}.`,
  SignatureWrongNonce: (a) =>
    `This signed bid is out of order (nonce ${a[2]}, the market expects ${a[1]}): it was already used or another is pending. Sign again.`,
  EnforcedPause: () => "The market is paused by its operator: bidding and clearing are stopped. Withdrawals stay open.",
  AccessControlUnauthorizedAccount: () => "Only the community's operator may do this.",
  ReentrancyGuardReentrantCall: () => "The market refused a nested call.",
  ERC2612ExpiredSignature: () => "The deposit permit expired. Try again.",
  ERC2612InvalidSigner: () => "The deposit permit was signed by another account.",
};

export function explainRevert(name: string, args: readonly unknown[] = []): string {
  const m = MESSAGES[name];
  return m ? m(args) : `The market refused: ${name}(${args.map(String).join(", ")}).`;
}

/** One sentence for any error a write, a read or a wallet can raise. */
export function explainError(error: unknown, context: { rpcUrl?: string; chainName?: string } = {}): string {
  if (error instanceof BaseError) {
    const rejected = error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: number })?.code === 4001);
    if (rejected) return "You declined the request in your wallet. Nothing was sent.";
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (reverted?.data?.errorName) return explainRevert(reverted.data.errorName, reverted.data.args ?? []);
    if (reverted?.reason) return `The market refused: ${reverted.reason}.`;
    if (error.walk((e) => e instanceof InsufficientFundsError)) return "Your wallet has too little ETH to pay the network fee (gas) for this transaction.";
    const mismatch = error.walk((e) => /ChainMismatch|chain mismatch|does not match the target chain/i.test((e as Error)?.name + (e as Error)?.message));
    if (mismatch) return `Your wallet is on another network. Switch it to ${context.chainName ?? "the community's network"} and try again.`;
    if (error.walk((e) => e instanceof HttpRequestError)) {
      return `The community's node cannot be reached${context.rpcUrl ? ` at ${context.rpcUrl}` : ""}. Check your connection, or whether the node is running.`;
    }
    if (/ConnectorNotConnected|not connected/i.test(error.name + error.shortMessage)) return "Connect a wallet first.";
    return error.shortMessage;
  }
  const e = error as { code?: number; message?: string };
  if (e?.code === 4001) return "You declined the request in your wallet. Nothing was sent.";
  if (error instanceof TypeError && /fetch/i.test(error.message))
    return "The service cannot be reached. Check your connection, or whether the community's node is running.";
  return e?.message?.split("\n")[0] ?? String(error);
}
