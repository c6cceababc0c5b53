/**
 * Drives a KiezMarket through an interval's lifecycle from the engine's reference computations: the engine
 * computes (sorted orders, marginal pair, bills), the contract verifies. Used by the demo, the gas report and
 * the contract tests alike.
 */
import { Signature, type ContractTransactionReceipt, type Signer, type TypedDataDomain } from "ethers";

import type { KiezMarket } from "../../types/ethers-contracts/index.js";
import { clearInterval, type ClearingResult, type OrderBid, type Side } from "@kiezstrom/engine/market/clearing";
import { gridResidual } from "@kiezstrom/engine/market/billing";
import { buyLockUnits, type SupplierTariff, type Tariff } from "@kiezstrom/engine/market/tariff";

import {
  batchBids,
  BID_DOMAIN,
  cancelInBatches,
  EIP712_BID_TYPES,
  findBidInBatches,
  NO_TRADE,
  SIDE,
  sideName,
  type BidBatch,
} from "@kiezstrom/engine/market/onchain";
import { orderEntry, orderRef, readingWord, signedTerms, type MeteredReading } from "@kiezstrom/engine/market/words";

export type { MeteredReading } from "@kiezstrom/engine/market/words";

export { CLASS, NO_TRADE, PHASE, SIDE, WEI_PER_UNIT } from "@kiezstrom/engine/market/onchain";
export { INTERVAL_SECONDS } from "@kiezstrom/engine/calendar";

/** A committed order page; its entries are OrderEntry words (sim/market/words.ts). */
export interface OrderPage {
  page: number;
  startPos: number;
  cumStartWh: number;
  entries: bigint[];
}

export interface Reading {
  participant: string;
  importWh: number;
  exportWh: number;
}

/** A page of readings as the market commits it (ReadingWord each, with the participant's supplier). */
export function packReadings(page: readonly MeteredReading[]): bigint[] {
  return page.map(readingWord.pack);
}

export interface BidRefs {
  sellPositions: number[];
  buyPositions: number[];
}

export interface ChainBill {
  participant: string;
  supplier: number;
  p2pBoughtWh: number;
  p2pSoldWh: number;
  gridImportWh: number;
  gridExportWh: number;
  lockReleasedUnits: bigint;
}

/** A signed bid as KiezMarket.submitSignedBids takes it: its terms in one word and the 64-byte signature. */
export interface SignedBidInput {
  terms: bigint;
  r: string;
  vs: string;
}

export interface DriverOptions {
  /** Readings per meter (and so bill and settlement) page (at most the market's MAX_METER_PAGE, 256). */
  meterPageSize?: number;
  /**
   * A fixed gas limit for the driver's transactions instead of estimating each: on a dev chain estimation
   * re-executes large transactions many times. Leave unset on public networks.
   */
  gasLimit?: bigint;
}

export type Receipts = ContractTransactionReceipt[];

/** Tariff as the contract's struct (one slot: the per-kWh components and the daily charge). */
export function tariffStruct(t: SupplierTariff) {
  return { ...t.prices, dailyChargeMicroEur: t.dailyChargeMicroEur };
}

/** Builds the committed order pages of one side exactly as KiezMarket.submitOrder hashes them. */
export function orderPages(sorted: readonly OrderBid[], pageSize: number): OrderPage[] {
  const pages: OrderPage[] = [];
  let cum = 0;
  for (let start = 0; start < sorted.length; start += pageSize) {
    const slice = sorted.slice(start, start + pageSize);
    pages.push({
      page: pages.length,
      startPos: start,
      cumStartWh: cum,
      entries: slice.map((b) => orderEntry.pack({ bidIndex: b.index, participant: b.participant, wh: b.wh, price: b.price })),
    });
    cum += slice.reduce((s, b) => s + b.wh, 0);
  }
  return pages;
}

/** Each participant's bid positions in the sorted orders. */
export function bidRefsByParticipant(result: ClearingResult): Map<string, BidRefs> {
  const refs = new Map<string, BidRefs>();
  const get = (p: string) => {
    const key = p.toLowerCase();
    const r = refs.get(key) ?? { sellPositions: [], buyPositions: [] };
    refs.set(key, r);
    return r;
  };
  for (const [pos, b] of result.sells.entries()) get(b.participant).sellPositions.push(pos);
  for (const [pos, b] of result.buys.entries()) get(b.participant).buyPositions.push(pos);
  return refs;
}

export async function bidDomain(market: KiezMarket): Promise<TypedDataDomain> {
  const { chainId } = await market.runner!.provider!.getNetwork();
  return { ...BID_DOMAIN, chainId, verifyingContract: await market.getAddress() };
}

/** Signs a bid off-chain (EIP-712) for relaying in a batch of its interval. */
export async function signBid(
  signer: Signer,
  domain: TypedDataDomain,
  bid: { interval: number; side: Side; wh: number; price: number; nonce: bigint; deadline: bigint },
): Promise<SignedBidInput> {
  const message = { interval: bid.interval, side: SIDE[bid.side], wh: bid.wh, price: bid.price, nonce: bid.nonce, deadline: bid.deadline };
  const signature = Signature.from(await signer.signTypedData(domain, { Bid: [...EIP712_BID_TYPES.Bid] }, message));
  return signedBidInput(message, signature);
}

/** A signed bid message and its signature as KiezMarket.submitSignedBids takes them (terms word, EIP-2098 form). */
export function signedBidInput(message: { side: number; wh: number; price: number; nonce: bigint; deadline: bigint }, signature: Signature): SignedBidInput {
  return { terms: signedTerms.pack(message), r: signature.r, vs: signature.yParityAndS };
}

/** An interval's bids as its events tell them: direct bids by index, relayed ones in their batches. */
export interface IntervalBids {
  /** Relayed batches as placed, cancellations applied. */
  batches: BidBatch[];
  /** Every live bid, direct and relayed, in bid-index order. */
  live: OrderBid[];
}

/** Reads an interval's bids from its events (BidPlaced, BidsPlaced, BidCancelled). */
export async function intervalBids(market: KiezMarket, interval: number, fromBlock = 0): Promise<IntervalBids> {
  const direct = await market.queryFilter(market.filters.BidPlaced(interval), fromBlock);
  const relayed = await market.queryFilter(market.filters.BidsPlaced(interval), fromBlock);
  const cancelled = new Set((await market.queryFilter(market.filters.BidCancelled(interval), fromBlock)).map((e) => Number(e.args.bidIndex)));
  const batches: BidBatch[] = relayed
    .map((e) => ({ batch: Number(e.args.batch), firstBidIndex: Number(e.args.firstBidIndex), bids: [...e.args.bids] }))
    .sort((a, b) => a.batch - b.batch);
  const live: OrderBid[] = direct.map((e) => ({
    index: Number(e.args.bidIndex),
    participant: e.args.participant.toLowerCase(),
    side: sideName(e.args.side),
    wh: Number(e.args.wh),
    price: Number(e.args.price),
  }));
  for (const b of batches) live.push(...batchBids(b));
  for (const idx of cancelled) cancelInBatches(batches, idx);
  return { batches, live: live.filter((b) => !cancelled.has(b.index)).sort((a, b) => a.index - b.index) };
}

/**
 * How an order names its bids (KiezMarket.submitOrder, OrderRef): a direct bid by its index, a relayed one by HANDED_BACK
 * plus its position in the batches handed back (each batch holding a named bid, once, in batch order).
 */
export function orderRefs(batches: readonly BidBatch[], bidIndexes: readonly number[]): { batches: BidBatch[]; order: number[] } {
  const used = new Map<number, BidBatch>();
  for (const idx of bidIndexes) {
    const at = findBidInBatches(batches, idx);
    if (at) used.set(at.batch.batch, at.batch);
  }
  const chosen = [...used.values()].sort((a, b) => a.batch - b.batch);
  const offset = new Map<number, number>();
  let n = 0;
  for (const b of chosen) {
    offset.set(b.batch, n);
    n += b.bids.length;
  }
  const order = bidIndexes.map((idx) => {
    const at = findBidInBatches(chosen, idx);
    return at ? orderRef.handedBack(offset.get(at.batch.batch)! + at.position) : orderRef.direct(idx);
  });
  return { batches: chosen, order };
}

export interface ParticipantInfo {
  supplier: number;
  /** KiezMarket's participant class, where known. */
  participantClass?: number;
}

/**
 * Runs clearing, metering, billing and settlement of one interval. `bids` are the interval's live bids in
 * submission order (as placed on chain); `readings` one per participant to bill.
 */
export class MarketDriver {
  readonly meterPageSize: number;
  /** The community's order page size (KiezMarket.config), read once. */
  private orderPageSize?: number;
  /** KiezMarket.MAX_UNMETERED_PAGE, read once. */
  private maxUnmeteredPage?: number;
  /** Overrides for every transaction the driver sends. */
  readonly tx: { gasLimit?: bigint };

  constructor(
    readonly market: KiezMarket,
    readonly roles: { operator: Signer; meter: Signer; anyone: Signer },
    readonly tariffs: readonly SupplierTariff[],
    readonly participants: ReadonlyMap<string, ParticipantInfo>,
    options: DriverOptions = {},
  ) {
    this.meterPageSize = options.meterPageSize ?? 250;
    this.tx = options.gasLimit ? { gasLimit: options.gasLimit } : {};
  }

  private info(participant: string): ParticipantInfo {
    const info = this.participants.get(participant.toLowerCase());
    if (!info) throw new Error(`participant ${participant} is not known to the driver`);
    return info;
  }

  /**
   * Orders, prices and emits trades. The interval's bids are read from its events unless given. Returns the
   * engine's clearing result and the receipts by step.
   */
  async clear(interval: number, bids?: IntervalBids) {
    const placed = bids ?? (await intervalBids(this.market, interval));
    const result = clearInterval(placed.live);
    const anyone = this.market.connect(this.roles.anyone);
    const receipts = { order: [] as Receipts, clear: [] as Receipts };
    this.orderPageSize ??= Number((await this.market.config()).orderPageSize);
    const sellPages = orderPages(result.sells, this.orderPageSize);
    const buyPages = orderPages(result.buys, this.orderPageSize);
    const sellPos = result.marginal?.sellPos ?? NO_TRADE;
    const buyPos = result.marginal?.buyPos ?? 0;
    const bidIndexes = (pages: OrderPage[]) => pages.flatMap((p) => p.entries.map((e) => orderEntry.unpack(e).bidIndex));
    if (sellPages.length <= 1 && buyPages.length <= 1) {
      // every bid fits one page a side: order and clear in one transaction
      // one set of handed-back batches serves both sides
      const split = result.sells.length;
      const refs = orderRefs(placed.batches, [...bidIndexes(sellPages), ...bidIndexes(buyPages)]);
      receipts.clear.push(
        await wait(anyone.orderAndClear(interval, refs.batches, refs.order.slice(0, split), refs.order.slice(split), sellPos, buyPos, this.tx)),
      );
      return { result, receipts, sellPages, buyPages };
    }
    const bothSides = result.sells.length > 0 && result.buys.length > 0;
    for (const [side, pages] of [
      [SIDE.sell, sellPages],
      [SIDE.buy, buyPages],
    ] as const) {
      for (const p of pages) {
        const refs = orderRefs(
          placed.batches,
          p.entries.map((e) => orderEntry.unpack(e).bidIndex),
        );
        receipts.order.push(await wait(anyone.submitOrder(interval, side, refs.batches, refs.order, this.tx)));
      }
    }
    // One call when the pages fit; the contract resumes trade emission from its cursor otherwise.
    const neededSell = bothSides ? pagesThrough(sellPages, result.marginal ? sellPos + 1 : 0) : [];
    const neededBuy = bothSides ? pagesThrough(buyPages, result.marginal ? buyPos + 1 : 0) : [];
    receipts.clear.push(await wait(anyone.clear(interval, sellPos, buyPos, neededSell, neededBuy, this.tx)));
    return { result, receipts, sellPages, buyPages };
  }

  /**
   * Posts readings in pages, in ascending order of address as the market takes them, and finishes metering. Returns
   * the pages as the market committed them. `cleared` (the interval's clearing result) spares reading its bidders from
   * the chain's events.
   */
  async meter(interval: number, readings: readonly Reading[], cleared?: ClearingResult) {
    const meter = this.market.connect(this.roles.meter);
    const pages: MeteredReading[][] = [];
    const receipts: Receipts = [];
    const ascending = byAddress(await this.withZeroReadingsIfNeeded(interval, readings, cleared));
    for (let i = 0; i < ascending.length; i += this.meterPageSize) {
      const page = ascending.slice(i, i + this.meterPageSize);
      receipts.push(await wait(meter.postReadings(interval, page, this.tx)));
      pages.push(page.map((r) => ({ participant: r.participant, supplier: this.info(r.participant).supplier, importWh: r.importWh, exportWh: r.exportWh })));
    }
    receipts.push(await wait(meter.finishMetering(interval, this.tx)));
    return { pages, receipts };
  }

  /**
   * A meter page is billed with at most MAX_UNMETERED_PAGE bidders that have no reading (say, households registered
   * by hand that no meter reports). When more bidders lack one, each gets an explicit zero reading: billed the same
   * way (as metering zero), and no page's range then holds too many. The bidders are the cleared interval's, or read
   * from its events when the caller has no clearing result at hand.
   */
  private async withZeroReadingsIfNeeded(interval: number, readings: readonly Reading[], cleared?: ClearingResult): Promise<readonly Reading[]> {
    const read = new Set(readings.map((r) => r.participant.toLowerCase()));
    const bids = cleared ? [...cleared.sells, ...cleared.buys] : (await intervalBids(this.market, interval)).live;
    const bidders = new Set(bids.map((b) => b.participant.toLowerCase()));
    const missing = [...bidders].filter((p) => !read.has(p));
    this.maxUnmeteredPage ??= Number(await this.market.MAX_UNMETERED_PAGE());
    if (missing.length <= this.maxUnmeteredPage) return readings;
    return [...readings, ...missing.map((participant) => ({ participant, importWh: 0, exportWh: 0 }))];
  }

  /** Computes the bills (as the contract will) and has the operator issue them, page by page. */
  async bill(interval: number, meterPages: readonly MeteredReading[][], cleared: { result: ClearingResult; sellPages: OrderPage[]; buyPages: OrderPage[] }) {
    const operator = this.market.connect(this.roles.operator);
    const refs = bidRefsByParticipant(cleared.result);
    const unmetered = this.unmeteredByPage(meterPages, refs);
    const billPages: ChainBill[][] = [];
    const receipts: Receipts = [];
    for (let k = 0; k < meterPages.length; k++) {
      const p = this.billingPage(meterPages[k], unmetered[k], refs, cleared);
      const input = {
        readings: packReadings(meterPages[k]),
        unmetered: unmetered[k].map((r) => r.participant),
        refs: p.refs,
        sellPages: p.sellPages,
        buyPages: p.buyPages,
      };
      receipts.push(await wait(operator.bill(interval, k, input, this.tx)));
      billPages.push(p.bills);
    }
    return { billPages, receipts };
  }

  /**
   * The participants with bids and no reading, as zero readings, each with the meter page whose address range holds
   * it (after the previous page's last reading, before this page's last; the last page takes the rest).
   */
  private unmeteredByPage(meterPages: readonly MeteredReading[][], refs: ReadonlyMap<string, BidRefs>): MeteredReading[][] {
    const metered = new Set(meterPages.flat().map((r) => r.participant.toLowerCase()));
    const missing = byAddress([...refs.keys()].filter((p) => !metered.has(p)).map((participant) => ({ participant, importWh: 0, exportWh: 0 })));
    const byPage: MeteredReading[][] = meterPages.map(() => []);
    for (const r of missing) {
      let k = meterPages.findIndex((page) => BigInt(page[page.length - 1].participant) > BigInt(r.participant));
      if (k < 0) k = meterPages.length - 1;
      byPage[k].push({ ...r, supplier: this.info(r.participant).supplier });
    }
    return byPage;
  }

  /**
   * What the contract needs to bill a meter page: each participant's bid positions, the committed order pages
   * the page refers to (none for a side nobody on the page bid on), and the bills it will issue.
   */
  private billingPage(
    metered: readonly MeteredReading[],
    unmetered: readonly MeteredReading[],
    refs: ReadonlyMap<string, BidRefs>,
    cleared: { result: ClearingResult; sellPages: OrderPage[]; buyPages: OrderPage[] },
  ) {
    const emptyRefs: BidRefs = { sellPositions: [], buyPositions: [] };
    // the market bills the page's readings first, then its unmetered participants (as metering zero)
    const readings = [...metered, ...unmetered];
    const pageRefs = readings.map((r) => refs.get(r.participant.toLowerCase()) ?? emptyRefs);
    return {
      refs: pageRefs,
      bills: readings.map((r, i) => this.billOf(r, pageRefs[i], cleared.result)),
      sellPages: pageRefs.some((r) => r.sellPositions.length > 0) ? cleared.sellPages : [],
      buyPages: pageRefs.some((r) => r.buyPositions.length > 0) ? cleared.buyPages : [],
    };
  }

  billOf(r: MeteredReading, refs: BidRefs, result: ClearingResult): ChainBill {
    const supplier = r.supplier;
    const tariff: Tariff = this.tariffs[supplier].prices;
    const sold = refs.sellPositions.reduce((s, pos) => s + (result.fills.get(result.sells[pos].index) ?? 0), 0);
    let bought = 0;
    let lock = 0;
    for (const pos of refs.buyPositions) {
      const b = result.buys[pos];
      bought += result.fills.get(b.index) ?? 0;
      lock += buyLockUnits(tariff, b.wh, b.price);
    }
    const { gridImportWh, gridExportWh } = gridResidual({ importWh: r.importWh, exportWh: r.exportWh, p2pBoughtWh: bought, p2pSoldWh: sold });
    return {
      participant: r.participant,
      supplier,
      p2pBoughtWh: bought,
      p2pSoldWh: sold,
      gridImportWh,
      gridExportWh,
      lockReleasedUnits: BigInt(lock),
    };
  }

  /**
   * Bills and settles an interval metered in one page, in one transaction (the cheaper path: the contract reads
   * each participant's fills from the committed orders); intervals with more meter pages go through `bill` and
   * `settle`. Returns the bills as issued.
   */
  async billAndSettle(
    interval: number,
    meterPages: readonly MeteredReading[][],
    cleared: { result: ClearingResult; sellPages: OrderPage[]; buyPages: OrderPage[] },
  ) {
    if (meterPages.length !== 1) {
      const billed = await this.bill(interval, meterPages, cleared);
      const settled = await this.settle(interval, billed.billPages);
      return { billPages: billed.billPages, receipts: [...billed.receipts, ...settled] };
    }
    const operator = this.market.connect(this.roles.operator);
    const refs = bidRefsByParticipant(cleared.result);
    const [unmetered] = this.unmeteredByPage(meterPages, refs);
    const { bills } = this.billingPage(meterPages[0], unmetered, refs, cleared);
    // sells through the marginal pair (later ones fill nothing) and through every unmetered seller's asks (so that the
    // contract finds them); every buy page (each lock is released)
    const { marginal } = cleared.result;
    const lastSell = Math.max(marginal?.sellPos ?? -1, ...unmetered.flatMap((r) => refs.get(r.participant.toLowerCase())?.sellPositions ?? []));
    const sellPages = lastSell >= 0 ? pagesThrough(cleared.sellPages, lastSell) : [];
    const input = { readings: packReadings(meterPages[0]), unmetered: unmetered.map((r) => r.participant), refs: [], sellPages, buyPages: cleared.buyPages };
    const receipt = await wait(operator.billAndSettle(interval, input, this.tx));
    return { billPages: [bills], receipts: [receipt] };
  }

  /** Settles every bill page in order. */
  async settle(interval: number, billPages: readonly ChainBill[][]) {
    const anyone = this.market.connect(this.roles.anyone);
    const receipts: Receipts = [];
    for (let k = 0; k < billPages.length; k++) receipts.push(await wait(anyone.settle(interval, k, billPages[k], this.tx)));
    return receipts;
  }
}

/** Readings in ascending order of address, as the market takes them (MeterReadingsNotAscending otherwise). */
export function byAddress<T extends { participant: string }>(readings: readonly T[]): T[] {
  return [...readings].sort((a, b) => (BigInt(a.participant) < BigInt(b.participant) ? -1 : BigInt(a.participant) > BigInt(b.participant) ? 1 : 0));
}

/** The pages that hold positions 0..lastPos. */
function pagesThrough(pages: OrderPage[], lastPos: number): OrderPage[] {
  return pages.filter((p) => p.startPos <= lastPos);
}

export async function wait(tx: Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was dropped");
  return receipt;
}
