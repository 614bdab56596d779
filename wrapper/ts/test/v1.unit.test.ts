// V1 wrapper logic on hand-made answers (not recordings): timeouts of a start, an ERROR start, the
// resolver on a PAUSED sandbox, an app-server 0 that is not believed, zip counting.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OpenHandsV1, ResolverError, StartTaskFailedError, StartTaskTimeout, WaitTimeoutError, countZipEvents } from "../src/index.js";

const TASK = "a5c65a8d87394f3c8cb0b4d2c6f17932";
const CONV = "4564456646ac428b8137660a35b10138";

function v1(route: (url: URL) => unknown): OpenHandsV1 {
  const fetch = async (request: Request) => {
    const body = route(new URL(request.url));
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  };
  return new OpenHandsV1({ apiKey: "unit-key-123456", baseUrl: "http://127.0.0.1:9", fetch, sleep: async () => undefined });
}

test("a start task that never gets READY is StartTaskTimeout (a WaitTimeoutError) with the last status", async () => {
  const api = v1(() => [{ id: TASK, status: "WAITING_FOR_SANDBOX" }]);
  let clock = 0;
  await assert.rejects(api.waitUntilReady(TASK, { timeoutMs: 5_000, now: () => (clock += 1_000) }), (err: unknown) =>
    err instanceof StartTaskTimeout && err instanceof WaitTimeoutError && err.message.includes("WAITING_FOR_SANDBOX"));
});

test("a start task in ERROR is StartTaskFailedError with the server's detail", async () => {
  const api = v1(() => [{ id: TASK, status: "ERROR", detail: "sandbox failed to boot" }]);
  await assert.rejects(api.waitUntilReady(TASK), (err: unknown) => err instanceof StartTaskFailedError && err.detail === "sandbox failed to boot");
});

test("the resolver refuses a PAUSED sandbox when resume is off (its agent server would hang)", async () => {
  const api = v1((url) => url.pathname.endsWith("/sandboxes")
    ? [{ id: "sb1", status: "PAUSED", session_api_key: null, exposed_urls: null }]
    : [{ id: CONV, sandbox_id: "sb1", sandbox_status: "PAUSED" }]);
  await assert.rejects(api.resolveAgentServer(CONV, { resume: false }), (err: unknown) => err instanceof ResolverError && err.step === "sandbox");
});

test("an app-server count of 0 is not believed while another source answers", async () => {
  const api = v1((url) => {
    if (url.pathname.endsWith("/events/count")) return url.pathname.startsWith("/api/v1/") ? 0 : 12;
    if (url.pathname.endsWith("/sandboxes")) return [{ id: "sb1", status: "RUNNING", session_api_key: "agent-key-1234", exposed_urls: [{ name: "AGENT_SERVER", url: "http://127.0.0.1:9" }] }];
    return [{ id: CONV, sandbox_id: "sb1", sandbox_status: "RUNNING" }];
  });
  const count = await api.countEvents(CONV);
  assert.deepEqual([count.count, count.source, Object.keys(count.failures)], [12, "agent", ["app"]]);
});

test("a zip's central directory is read for event_*.json names", () => {
  // A minimal zip with three empty stored entries: meta.json, event_0.json, sub/event_1.json.
  const names = ["meta.json", "event_0.json", "sub/event_1.json"];
  const enc = new TextEncoder();
  const central = names.map((name) => {
    const header = new Uint8Array(46 + name.length);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x02014b50, true);
    view.setUint16(28, name.length, true);
    header.set(enc.encode(name), 46);
    return header;
  });
  const size = central.reduce((n, h) => n + h.length, 0);
  const zip = new Uint8Array(size + 22);
  let offset = 0;
  for (const h of central) {
    zip.set(h, offset);
    offset += h.length;
  }
  const end = new DataView(zip.buffer, size);
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(10, names.length, true);
  end.setUint32(16, 0, true);
  assert.equal(countZipEvents(zip), 2);
  assert.throws(() => countZipEvents(new Uint8Array(30)));
});
