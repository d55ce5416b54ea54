/*
 * Waiting on a condition with a deadline: the tests' one way to wait for something that has no
 * event or LSN to wait on (a log line, a metric, a connection count). Never a fixed sleep.
 */

/** Polls `probe` until `ok` holds for its value, which it returns; fails after `ms`. */
export async function waitForValue<T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}: last saw ${JSON.stringify(v) ?? String(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls `cond` until it holds; fails after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  await waitForValue(cond, (v) => v, ms, what);
}
