// HTTP for one server: base URL + key + timeouts + retries + typed errors, as a `fetch` that the
// generated-types client (openapi-fetch) calls. Same rules as the Python transport
// (wrapper/openhands_api/_retry.py, _async_transport.py):
// - every attempt has a timeout (AbortSignal), 60 s by default: no call hangs forever;
// - 429 is retried for every method (the server did nothing), honouring Retry-After up to 60 s;
// - idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) are also retried on 408/5xx, timeouts and
//   broken connections; a refused connection is retried for every method (nothing was sent);
// - backoff 0.5 s, 1 s, 2 s ... capped at 8 s, times a jitter in [0.75, 1];
// - a 2xx that should be JSON but is HTML or empty raises UnexpectedContentError.
import createClient, { type Client } from "openapi-fetch";
import { debuglog, inspect } from "node:util";
import type { KeyAuth } from "./auth.js";
import {
  APIConnectionError, APITimeoutError, InvalidArgumentError, OpenHandsAPIError, UnexpectedContentError, errorFromResponse,
  type APIStatusError,
} from "./errors.js";
import { scrub } from "./secret.js";

export const DEFAULTS = {
  timeoutMs: 60_000,
  maxRetries: 2,
  initialRetryDelayMs: 500,
  maxRetryDelayMs: 8_000,
  // A Retry-After longer than this is not waited for: the error is raised at once instead.
  maxRetryAfterMs: 60_000,
} as const;
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
export const USER_AGENT = "openhands-api-ts/0.1.0";
// Failures before the request reached the server: safe to repeat whatever the method.
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH"]);

const log = debuglog("openhands-api"); // NODE_DEBUG=openhands-api shows retries

/** How waiting works; every wait in this package goes through here, so tests can make it instant. */
export const timing = {
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
  now: (): number => performance.now(),
};

export interface TransportOptions {
  /** Per attempt, including reading the body. Default 60 s. */
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  /** The fetch to send with (a proxy, a test double). Default: the global fetch at call time. */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
}

export interface CallOptions {
  /** Repeat on timeouts and 408/5xx? Default: only for idempotent methods. */
  retry?: boolean | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** A file download: hand back the response as it is (no JSON checks). */
  binary?: boolean | undefined;
}

/** Delay before retry number `attempt` (0-based): 0.5 s, 1 s, 2 s ... capped at 8 s, with jitter. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(DEFAULTS.initialRetryDelayMs * 2 ** attempt, DEFAULTS.maxRetryDelayMs);
  return base * (0.75 + 0.25 * random());
}

/** An id as one path segment: refuse what would change the path (empty, ".", ".."). */
export function segment(value: string, what = "id"): string {
  if (typeof value !== "string" || value.trim() === "" || value === "." || value === "..") {
    throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(value)}: it must be a non-empty path segment other than "." and ".."`);
  }
  return value;
}

function looksLikeHtml(contentType: string, bytes: Uint8Array): boolean {
  if (contentType.includes("html")) return true;
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  return head.startsWith("<!doctype html") || head.startsWith("<html");
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

function errorCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

export class Transport {
  readonly baseUrl: string;
  readonly #auth: KeyAuth | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #fetch: ((request: Request) => Promise<Response>) | undefined;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #random: () => number;

  constructor(baseUrl: string, auth: KeyAuth | undefined, options: TransportOptions = {}) {
    if (!/^https?:\/\//.test(baseUrl)) throw new InvalidArgumentError(`URL ${JSON.stringify(baseUrl)} must start with http:// or https://`);
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#auth = auth;
    this.#timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.#maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
    this.#fetch = options.fetch;
    this.#sleep = options.sleep;
    this.#random = options.random ?? Math.random;
  }

  /** How this client waits (its `sleep` option, else `timing.sleep`): for retries and for polls. */
  readonly sleeper = (ms: number): Promise<void> => (this.#sleep ?? timing.sleep)(ms);

  /** A typed client for one spec's `paths`, sending through this transport. */
  client<Paths extends {}>(): Client<Paths> {
    return createClient<Paths>({ baseUrl: this.baseUrl, fetch: (request) => this.send(request), redirect: "manual" });
  }

  /** Per-call settings, spread into an openapi-fetch call: `api.GET(path, { ...t.with({ retry: false }) })`. */
  with(options: CallOptions): { fetch: (request: Request) => Promise<Response> } {
    return { fetch: (request) => this.send(request, options) };
  }

  async send(request: Request, options: CallOptions = {}): Promise<Response> {
    const method = request.method.toUpperCase();
    const url = request.url;
    const mayRetry = options.retry ?? IDEMPOTENT_METHODS.has(method);
    // Read once so every attempt can send the same bytes.
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(request.headers);
      headers.set("User-Agent", USER_AGENT);
      this.#auth?.apply(headers);
      const timeout = AbortSignal.timeout(options.timeoutMs ?? this.#timeoutMs);
      const signal = options.signal ? anySignal([options.signal, timeout]) : timeout;
      let delay: number | undefined;
      try {
        const fetchImpl = this.#fetch ?? globalThis.fetch;
        const response = await fetchImpl(new Request(url, { method, headers, body: body ?? null, signal, redirect: "manual" }));
        if (response.status < 300) return options.binary ? this.#refuseHtml(response, method, url) : await this.#checked(response, method, url);
        const text = await response.text();
        if (response.status < 400) {
          throw new UnexpectedContentError(`HTTP ${response.status}: redirected to ${response.headers.get("location") ?? "?"}`, {
            method, url, hint: "the base URL is probably wrong (use the final URL, with https:// if the server redirects)",
          });
        }
        const error = errorFromResponse(response.status, response.headers, text, method, url);
        delay = this.#statusRetryDelay(error, attempt, mayRetry);
        if (delay === undefined) throw error;
        log("%s %s answered %d; retry %d of %d in %d ms", method, scrub(url), response.status, attempt + 1, this.#maxRetries, delay);
      } catch (err) {
        if (err instanceof OpenHandsAPIError) throw err;
        if (options.signal?.aborted) throw err; // the caller cancelled: not ours to retry or rename
        const [error, retryable] = this.#failure(err, timeout, method, url, mayRetry);
        if (error === undefined) throw err; // not a network failure (a programming error, a test double's refusal)
        if (!retryable || attempt >= this.#maxRetries) throw error;
        delay = backoffDelayMs(attempt, this.#random);
        log("%s; retry %d of %d in %d ms", error.message, attempt + 1, this.#maxRetries, delay);
      }
      await this.sleeper(delay);
    }
  }

  #statusRetryDelay(error: APIStatusError, attempt: number, mayRetry: boolean): number | undefined {
    const status = error.statusCode;
    if (!RETRYABLE_STATUSES.has(status) || attempt >= this.#maxRetries || !(mayRetry || status === 429)) return undefined;
    const retryAfter = (error as { retryAfter?: number }).retryAfter;
    if (retryAfter === undefined) return backoffDelayMs(attempt, this.#random);
    return retryAfter * 1000 > DEFAULTS.maxRetryAfterMs ? undefined : retryAfter * 1000;
  }

  #failure(err: unknown, timeout: AbortSignal, method: string, url: string, mayRetry: boolean): [APIConnectionError | undefined, boolean] {
    if (timeout.aborted) {
      return [new APITimeoutError(`no answer in time (${(err as Error)?.name ?? "timeout"})`, { method, url, cause: err }), mayRetry];
    }
    if (!(err instanceof TypeError)) return [undefined, false]; // fetch reports network failures as TypeError
    const code = errorCode(err);
    if (code !== undefined && CONNECT_CODES.has(code)) {
      return [new APIConnectionError(`cannot connect: ${code}`, { method, url, cause: err }), true];
    }
    return [new APIConnectionError(`connection failed: ${code ?? err.message}`, { method, url, cause: err }), mayRetry];
  }

  async #checked(response: Response, method: string, url: string): Promise<Response> {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get("content-type") ?? "";
    if (looksLikeHtml(contentType, bytes)) {
      throw new UnexpectedContentError(`expected JSON but got an HTML page (HTTP ${response.status})`, {
        method, url, raw: new TextDecoder().decode(bytes.subarray(0, 500)),
        hint: "the base URL or path is probably wrong (a web app answered instead of the API); check the URL, including any /api prefix",
      });
    }
    if (bytes.length === 0) throw new UnexpectedContentError(`expected JSON but the body is empty (HTTP ${response.status})`, { method, url });
    return new Response(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  #refuseHtml(response: Response, method: string, url: string): Response {
    if ((response.headers.get("content-type") ?? "").includes("html")) {
      throw new UnexpectedContentError("expected a file but got an HTML page", {
        method, url, hint: "the base URL or the id is probably wrong (a web app answered)",
      });
    }
    return response;
  }

  toString(): string {
    return `Transport(${this.baseUrl}${this.#auth ? `, ${this.#auth}` : ""})`;
  }

  toJSON(): { baseUrl: string; auth: string | null } {
    return { baseUrl: this.baseUrl, auth: this.#auth ? String(this.#auth) : null };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The typed data of an openapi-fetch call; a body that is not JSON becomes UnexpectedContentError. */
export async function unwrap<R extends { data?: unknown; error?: unknown; response: Response }>(
  pending: Promise<R>,
): Promise<Exclude<R["data"], undefined>> {
  let result: R;
  try {
    result = await pending;
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new UnexpectedContentError(`expected JSON but the body does not parse (${err.message})`, { cause: err });
    }
    throw err;
  }
  // Error statuses were raised by the transport; a body-less success is refused there too.
  return result.data as Exclude<R["data"], undefined>;
}
