// Replays the Python suite's vcrpy cassettes (tests/contract/*/cassettes/**.yaml) to the TypeScript
// client through a `fetch`, matched the way tests/conftest.py matches them: method, path, query
// (order-free) and body (JSON compared as values, anything else byte for byte), host and port
// ignored. Live requests get the same canonicalisation and scrubbing the recordings got (loopback
// URLs -> http://server.test, state folders -> ...-STATE, secrets -> <REDACTED>), as vcrpy applies
// before_record_request before matching. Each recorded answer plays once, in recorded order among
// identical requests; an unmatched request throws CassetteMismatch (never a network error).
//
// Record mode (`new Cassette(path, { record: true })`) forwards to the real server and writes the
// same YAML format with the same scrubbing: used only by scripts/record_ts.py against real servers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "yaml";

export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "specs")) || !existsSync(join(dir, "tests", "contract"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("repository root not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

export const CANONICAL_URL = "http://server.test";
// The real fetch, taken before any test installs a cassette as globalThis.fetch (record mode sends with it).
const realFetch = globalThis.fetch;
const REDACTED = "<REDACTED>";
const LOOPBACK_URL = /https?:\/\/(?:127\.0\.0\.1|localhost|0\.0\.0\.0)(?::\d+)?/g;
const STATE_DIR = /((?:\/|%2F)openhands-api-[a-z0-9]+)-[A-Za-z0-9_]{6,}/g;
const SECRET_FIELD = /(session_api_key|api_key|secret|token|password)$/i;
const SECRET_QUERY = new Set(["session_api_key", "api_key", "token"]);
const SECRET_HEADERS = new Set(["authorization", "x-session-api-key", "x-access-token", "cookie"]);

export class CassetteMismatch extends Error {
  override name = "CassetteMismatch";
}

type Body = string | Uint8Array | null | undefined;
interface Interaction {
  request: { method: string; uri: string; body: Body; headers: Record<string, string[]> };
  response: { status: { code: number; message: string }; headers: Record<string, string[]>; body: { string: Body } };
}

export function cassettePath(server: "agent" | "v1" | "v0", module: string, test: string): string {
  return join(ROOT, "tests", "contract", server, "cassettes", module, `${test}.yaml`);
}

export function canonicalText(text: string): string {
  return text.replace(LOOPBACK_URL, CANONICAL_URL).replace(STATE_DIR, "$1-STATE");
}

function scrubJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) =>
      [k, SECRET_FIELD.test(k) && typeof v === "string" && v ? REDACTED : scrubJson(v)]));
  }
  return value;
}

function bytesOf(body: Body): Uint8Array {
  if (body === null || body === undefined) return new Uint8Array();
  return typeof body === "string" ? new TextEncoder().encode(body) : body;
}

// Uploads use a random multipart boundary; matched and recorded as this one (tests/conftest.py too).
const CANONICAL_BOUNDARY = "openhands-api-test-boundary";

function canonicalMultipart(bytes: Uint8Array, contentType: string): Uint8Array {
  const boundary = /multipart\/form-data;\s*boundary=([^\s;]+)/.exec(contentType)?.[1]?.replace(/"/g, "");
  if (!boundary) return bytes;
  const [from, to] = [Buffer.from(`--${boundary}`), Buffer.from(`--${CANONICAL_BOUNDARY}`)];
  const parts: Buffer[] = [];
  let rest = Buffer.from(bytes);
  for (let at = rest.indexOf(from); at >= 0; at = rest.indexOf(from)) {
    parts.push(rest.subarray(0, at), to);
    rest = rest.subarray(at + from.length);
  }
  return new Uint8Array(Buffer.concat([...parts, rest]));
}

/** A body as matching sees it: canonical text (and multipart boundary), JSON secrets redacted; binary untouched. */
function canonicalBody(body: Body, contentType: string): Body {
  const bytes = canonicalMultipart(bytesOf(body), contentType);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return bytes;
  }
  text = canonicalText(text);
  if (contentType.includes("json") && text) {
    try {
      return JSON.stringify(scrubJson(JSON.parse(text)));
    } catch {
      return text;
    }
  }
  return text;
}

function sameBody(live: Body, recorded: Body): boolean {
  const parse = (body: Body): unknown => {
    if (typeof body !== "string") return undefined;
    try {
      return body === "" ? undefined : JSON.parse(body);
    } catch {
      return undefined;
    }
  };
  const [a, b] = [parse(live), parse(recorded)];
  if (a !== undefined && b !== undefined) return isDeepStrictEqual(a, b);
  return Buffer.from(bytesOf(live)).equals(Buffer.from(bytesOf(recorded)));
}

function queryOf(url: URL): [string, string][] {
  return [...url.searchParams.entries()]
    .map(([k, v]): [string, string] => [k, SECRET_QUERY.has(k) ? REDACTED : canonicalText(v)])
    .sort((x, y) => (x[0] + "\0" + x[1] < y[0] + "\0" + y[1] ? -1 : 1));
}

function canonicalUri(uri: string): URL {
  const url = new URL(canonicalText(uri));
  for (const name of SECRET_QUERY) if (url.searchParams.has(name)) url.searchParams.set(name, REDACTED);
  return url;
}

function header(headers: Record<string, string[]> | undefined, name: string): string {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value[0] ?? "";
  return "";
}

export interface CassetteOptions {
  /** Forward to the real server and write the cassette (recording only; never in `make test`). */
  record?: boolean;
}

export class Cassette {
  readonly interactions: Interaction[] = [];
  readonly played = new Set<number>();
  readonly requests: string[] = [];

  constructor(readonly paths: string | string[], readonly options: CassetteOptions = {}) {
    if (options.record) return;
    for (const path of Array.isArray(paths) ? paths : [paths]) {
      const doc = parse(readFileSync(path, "utf8"), { schema: "yaml-1.1" }) as { interactions: Interaction[] };
      this.interactions.push(...doc.interactions);
    }
  }

  /** The fetch to hand to a client (`{ fetch: cassette.fetch }`) or to install as globalThis.fetch. */
  readonly fetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    if (this.options.record) return this.#record(request, body);
    const url = canonicalUri(request.url);
    const liveBody = canonicalBody(body, request.headers.get("content-type") ?? "");
    const path = decodeURIComponent(url.pathname);
    const query = queryOf(url);
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
    let closest = "no recorded request has this method and path";
    for (const [index, interaction] of this.interactions.entries()) {
      const recorded = interaction.request;
      const recordedUrl = canonicalUri(recorded.uri);
      if (recorded.method !== request.method || decodeURIComponent(recordedUrl.pathname) !== path) continue;
      if (!isDeepStrictEqual(queryOf(recordedUrl), query)) {
        closest = `the closest differ in query (recorded ${recordedUrl.search})`;
        continue;
      }
      if (!sameBody(liveBody, recorded.body)) {
        closest = `the closest differ in body (recorded ${String(recorded.body).slice(0, 120)})`;
        continue;
      }
      if (this.played.has(index)) {
        closest = "it matches a recorded interaction that has already been played back";
        continue;
      }
      this.played.add(index);
      return toResponse(interaction);
    }
    throw new CassetteMismatch(`can't play back ${request.method} ${request.url} from ${String(this.paths)}: ${closest}`);
  };

  async #record(request: Request, body: Uint8Array | null): Promise<Response> {
    const response = await realFetch(new Request(request, { body, signal: request.signal }));
    const data = new Uint8Array(await response.arrayBuffer());
    const headers = (h: Headers, drop: Set<string>): Record<string, string[]> =>
      Object.fromEntries([...h.entries()].filter(([k]) => !drop.has(k)).map(([k, v]) =>
        [k, [SECRET_HEADERS.has(k) ? REDACTED : v]]));
    const responseBody = canonicalBody(data, response.headers.get("content-type") ?? "");
    const responseHeaders = headers(response.headers, new Set(["set-cookie", "date", "server", "host", "content-encoding"]));
    if (responseHeaders["content-length"]) responseHeaders["content-length"] = [String(bytesOf(responseBody).length)];
    this.interactions.push({
      request: {
        method: request.method, uri: canonicalUri(request.url).toString(),
        body: canonicalBody(body, request.headers.get("content-type") ?? "") ?? "", headers: headers(request.headers, new Set(["host"])),
      },
      response: { status: { code: response.status, message: response.statusText }, headers: responseHeaders, body: { string: responseBody } },
    });
    return new Response(data.length ? data : null, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  /** Write what was recorded (record mode). */
  save(): void {
    const path = Array.isArray(this.paths) ? this.paths[0]! : this.paths;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, stringify({ interactions: this.interactions, version: 1 }, { schema: "yaml-1.1", lineWidth: 0 }));
  }
}

function toResponse(interaction: Interaction): Response {
  const { status, headers, body } = interaction.response;
  const out = new Headers();
  for (const [key, values] of Object.entries(headers ?? {})) for (const value of values) out.append(key, value);
  const bytes = bytesOf(body.string);
  // Bodies are stored decoded (decode_compressed_response): drop an encoding header so nothing re-decodes.
  out.delete("content-encoding");
  return new Response(bytes.length && status.code !== 204 ? bytes : null, { status: status.code, statusText: status.message ?? "", headers: out });
}

export { header as recordedHeader };
