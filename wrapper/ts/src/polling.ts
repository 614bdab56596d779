// Waiting with a growing interval (initial, x factor, capped) until done or out of time; the one
// loop behind every wait of this package (agent, V1, V0), like wrapper/openhands_api/_polling.py.
import { WaitTimeoutError } from "./errors.js";
import { timing } from "./transport.js";

export const POLL_DEFAULTS = { initialMs: 500, maxMs: 5_000, factor: 1.5, timeoutMs: 600_000 } as const;

export interface PollOptions<T> {
  timeoutMs?: number | undefined;
  initialMs?: number | undefined;
  maxMs?: number | undefined;
  factor?: number | undefined;
  /** The status part of the timeout message. */
  describe?: ((value: T) => string) | undefined;
  /** Called after every fetch. */
  onProgress?: ((value: T) => void) | undefined;
  /** What is waited for, in the timeout message ("conversation X"). */
  what?: string | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  now?: (() => number) | undefined;
}

export async function pollUntil<T>(fetch: () => Promise<T>, done: (value: T) => boolean, options: PollOptions<T> = {}): Promise<T> {
  const now = options.now ?? timing.now;
  const timeoutMs = options.timeoutMs ?? POLL_DEFAULTS.timeoutMs;
  const deadline = now() + timeoutMs;
  const maxMs = options.maxMs ?? POLL_DEFAULTS.maxMs;
  const factor = options.factor ?? POLL_DEFAULTS.factor;
  let interval = Math.min(options.initialMs ?? POLL_DEFAULTS.initialMs, maxMs);
  for (;;) {
    const value = await fetch();
    options.onProgress?.(value);
    if (done(value)) return value;
    const remaining = deadline - now();
    if (remaining <= 0) {
      const status = options.describe ? options.describe(value) : JSON.stringify(value)?.slice(0, 200);
      throw new WaitTimeoutError(
        `${options.what ?? "the operation"} did not finish within ${Math.round(timeoutMs / 1000)} s; last status: ${status}`,
        { lastStatus: value },
      );
    }
    const pause = Math.min(interval, remaining);
    interval = Math.min(interval * factor, maxMs);
    await (options.sleep ?? timing.sleep)(pause);
  }
}
