/**
 * The size FastLZ (level 1) compresses bytes to, without producing them: what the OP Stack's L1 data fee after Fjord
 * is priced on (the `fastlzSize` of the signed transaction). It walks the input as fastlz_compress does: a hash table
 * of 8,192 three-byte prefixes, matches up to 8,191 bytes back, literal runs of at most 32 bytes (one control byte
 * each), matches of 2 or 3 bytes each 262 long.
 */
const HASH_SIZE = 8192;
const MAX_DISTANCE = 8191;
const MAX_LITERAL_RUN = 32;
const MAX_MATCH_RUN = 262;
/** The last bytes are always literals: fastlz stops matching this many bytes before the end. */
const TAIL = 13;

export function fastLzSize(input: Uint8Array): number {
  const length = input.length;
  const table = new Int32Array(HASH_SIZE);
  const prefix = (i: number) => input[i] | (input[i + 1] << 8) | (input[i + 2] << 16);
  const slot = (v: number) => (Math.imul(2654435769, v) >>> 19) & (HASH_SIZE - 1);
  let size = 0;
  const literals = (run: number) => {
    size += (MAX_LITERAL_RUN + 1) * Math.floor(run / MAX_LITERAL_RUN);
    const rest = run % MAX_LITERAL_RUN;
    if (rest !== 0) size += rest + 1;
  };
  const match = (len: number) => {
    const l = len - 1;
    size += 3 * Math.floor(l / MAX_MATCH_RUN) + (l % MAX_MATCH_RUN >= 6 ? 3 : 2);
  };
  const limit = length < TAIL ? 0 : length - TAIL;
  let anchor = 0;
  let ip = 2;
  while (ip < limit) {
    let ref = 0;
    for (;;) {
      const seq = prefix(ip);
      const h = slot(seq);
      ref = table[h];
      table[h] = ip;
      const distance = ip - ref;
      if (ip >= limit) break;
      ip++;
      if (distance <= MAX_DISTANCE && seq === prefix(ref)) break;
    }
    if (ip >= limit) break;
    ip--;
    if (ip > anchor) literals(ip - anchor);
    // the match runs on from the three bytes found, up to 9 bytes past the matching limit; as fastlz counts it, its
    // length takes in the first byte that differs
    let len = 0;
    let end = limit + 9 - (ip + 3);
    for (; len < end; len++) if (input[ref + 3 + len] !== input[ip + 3 + len]) end = 0;
    match(len);
    ip += len;
    table[slot(prefix(ip))] = ip;
    ip++;
    table[slot(prefix(ip))] = ip;
    ip++;
    anchor = ip;
  }
  literals(length - anchor);
  return size;
}
