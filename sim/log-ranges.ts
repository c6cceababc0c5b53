/**
 * Reading a chain's logs through providers that cap eth_getLogs: block ranges that start wide and halve while the
 * provider refuses one. The dApp's event store and the auditor read this way.
 */

/** The widest range first asked for, in blocks. */
export const FIRST_LOG_RANGE = 2_000;

/** A refusal a smaller range may get past: a provider's range or result limit, a response over a size limit, a timeout. */
export function rangeRefused(e: unknown): boolean {
  return /size limit|exceed|too many|too large|range|limit|10000|timeout|timed out/i.test(String((e as Error)?.message ?? e));
}

/**
 * Reads blocks `from` through `to` with `read(from, to)` in ranges of `limits.ceiling` blocks; a refused range halves
 * the ceiling (kept in `limits` for the next call) and is asked again. Returns the first block not read: `to + 1`,
 * or earlier when `stop()` said so between ranges. Any other failure is thrown.
 */
export async function readInRanges(
  from: number,
  to: number,
  limits: { ceiling: number },
  read: (from: number, to: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<number> {
  let next = from;
  while (next <= to && !stop()) {
    const end = Math.min(to, next + limits.ceiling - 1);
    try {
      await read(next, end);
    } catch (e) {
      if (limits.ceiling > 1 && rangeRefused(e)) {
        limits.ceiling = Math.max(1, Math.floor(limits.ceiling / 2));
        continue;
      }
      throw e;
    }
    next = end + 1;
  }
  return next;
}
