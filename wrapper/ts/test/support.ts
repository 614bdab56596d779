// Shared test rails: replayed clients, instant waits, the canonical facts the recordings used.
import { timing } from "../src/transport.js";
import { CANONICAL_URL, Cassette, cassettePath } from "./replay.js";

export { CANONICAL_URL };
export const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
export const REPLAY_KEY = "replay-session-key";
/** The agent server's workspace as the recordings canonicalised it (tests/contract/agent/conftest.py). */
export const AGENT_WORKSPACE = "/tmp/openhands-api-agent-STATE/ws";

/** Replayed answers come at once; waiting between polls would only slow the suite down. */
export function instantWaits(): void {
  timing.sleep = async () => undefined;
}

export function replay(server: "agent" | "v1" | "v0", module: string, test: string): Cassette {
  return new Cassette(cassettePath(server, module, test));
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
