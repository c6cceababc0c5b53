/** Small helpers shared by the command-line entry points. */

/** Prints a message that says what to fix and exits with code 2 (bad input). */
export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
