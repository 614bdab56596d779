// Unit tests for the wrapper logic a real server cannot be made to show on demand: retries,
// Retry-After, timeouts, HTML answers, masking. Hand-made responses, clearly not recordings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import {
  APIConnectionError, APITimeoutError, AgentServerClient, InvalidArgumentError, OpenHandsV1, RateLimitError, ServerError,
  UnexpectedContentError, backoffDelayMs, isUnknownEvent, parseRetryAfter, scrub,
} from "../src/index.js";

const KEY = "unit-test-secret-key-0123";

/** A fetch that answers from a list and records what it was asked; sleeps are recorded, not waited. */
function scripted(answers: (Response | Error | ((r: Request) => Promise<Response>))[]) {
  const requests: Request[] = [];
  const sleeps: number[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    requests.push(request);
    const next = answers.shift();
    if (next === undefined) throw new Error("no more scripted answers");
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(request) : next;
  };
  const sleep = async (ms: number) => void sleeps.push(ms);
  return { fetch, sleep, requests, sleeps };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const refused = () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
const reset = () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });

function agent(s: ReturnType<typeof scripted>, maxRetries = 2, timeoutMs?: number) {
  return new AgentServerClient("http://127.0.0.1:9", { sessionKey: KEY, fetch: s.fetch, sleep: s.sleep, random: () => 1, maxRetries, timeoutMs });
}

test("GET is retried on 5xx with backoff, then succeeds; the key is sent as X-Session-API-Key", async () => {
  const s = scripted([json({ detail: "boom" }, 503), json({ detail: "boom" }, 500), json(7)]);
  assert.equal(await agent(s).countConversations(), 7);
  assert.deepEqual(s.sleeps, [500, 1000]);
  assert.equal(s.requests[0]?.headers.get("x-session-api-key"), KEY);
  assert.match(String(s.requests[0]?.headers.get("user-agent")), /^openhands-api-ts\//);
});

test("POST is not retried on 5xx (a retry could run a command twice)", async () => {
  const s = scripted([json({ detail: "boom" }, 500)]);
  await assert.rejects(agent(s).bash("echo hi"), (err: unknown) => err instanceof ServerError && err.statusCode === 500);
  assert.equal(s.requests.length, 1);
});

test("429 is retried for every method, honouring Retry-After; a long Retry-After is raised at once", async () => {
  const s = scripted([json({ detail: "slow down" }, 429, { "retry-after": "3" }), json({ id: "x", exit_code: 0, stdout: "hi\n", stderr: "" })]);
  assert.equal((await agent(s).bash("echo hi")).stdout, "hi\n");
  assert.deepEqual(s.sleeps, [3000]);
  const t = scripted([json({ detail: "later" }, 429, { "retry-after": "120" })]);
  await assert.rejects(agent(t).countConversations(), (err: unknown) => err instanceof RateLimitError && err.retryAfter === 120);
  assert.deepEqual(t.sleeps, []);
});

test("a refused connection is retried for every method; a reset only for idempotent ones", async () => {
  const s = scripted([refused(), json({ id: "x", exit_code: 0, stdout: "", stderr: "" })]);
  assert.equal((await agent(s).bash("true")).exitCode, 0);
  const t = scripted([reset()]);
  await assert.rejects(agent(t).bash("true"), (err: unknown) => err instanceof APIConnectionError && !(err instanceof APITimeoutError));
  assert.equal(t.requests.length, 1);
  const u = scripted([refused(), refused(), refused()]);
  await assert.rejects(agent(u).countConversations(), APIConnectionError);
  assert.equal(u.requests.length, 3); // 1 + maxRetries
});

test("every call has a timeout (AbortSignal): a server that never answers is APITimeoutError", async () => {
  const hang = (r: Request) => new Promise<Response>((_, reject) => r.signal.addEventListener("abort", () => reject(r.signal.reason)));
  const s = scripted([hang]);
  // AbortSignal.timeout's timer does not keep Node alive (a real socket would): hold the loop open.
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    await assert.rejects(agent(s, 0, 20).countConversations(), APITimeoutError);
  } finally {
    clearInterval(keepAlive);
  }
});

test("an HTML page or an empty body where JSON belongs is UnexpectedContentError", async () => {
  const html = new Response("<!doctype html><html>app</html>", { status: 200, headers: { "content-type": "text/html" } });
  await assert.rejects(agent(scripted([html])).countConversations(), UnexpectedContentError);
  await assert.rejects(agent(scripted([new Response("", { status: 200 })])).countConversations(), UnexpectedContentError);
});

test("backoff grows 0.5 s, 1 s, 2 s ... capped at 8 s, jittered within [0.75, 1]", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, () => 1)), [500, 1000, 2000, 4000, 8000, 8000]);
  assert.equal(backoffDelayMs(0, () => 0), 375);
  assert.equal(parseRetryAfter(new Headers({ "retry-after-ms": "1500" })), 1.5);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": new Date(Date.now() + 10_000).toUTCString() }), Date.now) !== undefined, true);
});

test("keys never show: util.inspect, JSON.stringify, error messages", async () => {
  const s = scripted([json({ detail: `bad key ${KEY}` }, 401)]);
  const client = agent(s, 0);
  for (const text of [inspect(client), JSON.stringify(client), String(client), inspect(client, { showHidden: true, depth: 9 })]) {
    assert.ok(!text.includes(KEY), text);
  }
  await assert.rejects(client.countConversations(), (err: unknown) => {
    assert.ok(!String(err).includes(KEY) && !inspect(err).includes(KEY) && String(err).includes("**********"));
    return true;
  });
  assert.equal(scrub(`x ${KEY} y`), "x ********** y");
  const v1 = new OpenHandsV1({ apiKey: KEY, baseUrl: "https://example.invalid" });
  assert.ok(!inspect(v1).includes(KEY) && !JSON.stringify(v1).includes(KEY));
});

test("ids are one path segment: '/' is encoded, '', '.', '..' are refused before any request", async () => {
  const s = scripted([json({ detail: "Not Found" }, 404)]);
  await assert.rejects(agent(s, 0).getConversation("a/b"));
  assert.equal(new URL(s.requests[0]!.url).pathname, "/api/conversations/a%2Fb");
  for (const bad of ["", ".", ".."]) await assert.rejects(agent(scripted([])).getConversation(bad), InvalidArgumentError);
});

test("an event kind from a newer server reads as a plain event with every field kept", async () => {
  const future = { id: "e1", timestamp: "2026-12-01T00:00:00", source: "agent", kind: "HologramEvent", beam: { power: 9 } };
  const s = scripted([json({ items: [future], next_page_id: null })]);
  const page = await agent(s).searchEvents("0b6a5e0e-0000-4000-8000-000000000000");
  const [event] = page.items;
  assert.ok(event && isUnknownEvent(event));
  assert.deepEqual(event, future);
});
