/*
 * Waiting with a deadline: the tests' one way to wait. A promise (an event, a reply) gets a
 * deadline with `deadline`; something that has no event or LSN to wait on (a log line, a metric,
 * a connection count) is polled with `waitFor` / `waitForValue`. Never a fixed sleep.
 */

/** `p`, or a failure naming `what` after `ms`. */
export async function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` (every `everyMs`) until `ok` holds for its value, which it returns; fails after `ms`. */
export async function waitForValue<T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, ms: number, what: string, everyMs = 20): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}: last saw ${show(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls `cond` (every `everyMs`) until it holds; fails after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 20): Promise<void> {
  await waitForValue(cond, (v) => v, ms, what, everyMs);
}

/** A value for a failure message; bigints (LSNs) included, which JSON.stringify refuses. */
function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
