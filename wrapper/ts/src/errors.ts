// One error hierarchy for every server, with the same names and meanings as the Python client
// (wrapper/openhands_api/_exceptions.py):
//
//   OpenHandsAPIError                      every error raised by this package
//   ├── ConfigurationError                 missing/invalid key or URL (raised before any request)
//   │   └── InvalidArgumentError           an argument the server would reject
//   ├── APIConnectionError                 the server could not be reached
//   │   └── APITimeoutError                no answer in time
//   ├── APIStatusError                     the server answered with an error status
//   │   ├── BadRequestError        400/422, AuthenticationError 401/403, NotFoundError 404 (or a 200 null),
//   │   ├── ConflictError 409, RateLimitError 429 (retryAfter seconds), ServerError 5xx
//   ├── UnexpectedContentError             a 2xx body that is not what the API promises (HTML, empty, wrong shape)
//   ├── WaitTimeoutError                   a wait ran out of time; carries the last status seen
//   │   └── StartTaskTimeout               V1: a start task did not reach READY in time
//   ├── StartTaskFailedError               V1: a start task ended in ERROR
//   ├── ResolverError                      V1: no usable agent server for an id (`step` says where it failed)
//   └── EventCountError                    V1: no source could count a conversation's events
//   BadRequestError -> InvalidCursorError  V0: a page cursor the server could not decode (it answers 500)
//   ConflictError -> ConversationNotRunningError   V0: a message to a conversation that is not running
import { scrub } from "./secret.js";

export interface ErrorOptions {
  hint?: string | undefined;
  method?: string | undefined;
  url?: string | undefined;
  cause?: unknown;
}

export class OpenHandsAPIError extends Error {
  /** What to do about it. */
  readonly hint: string;
  readonly method: string | undefined;
  readonly url: string | undefined;
  /** The message without the method, URL and hint. */
  readonly summary: string;

  static defaultHint = "";

  constructor(message: string, options: ErrorOptions = {}) {
    const summary = scrub(message);
    const hint = options.hint ?? (new.target as typeof OpenHandsAPIError).defaultHint;
    const url = options.url === undefined ? undefined : scrub(options.url);
    const where = options.method && url ? ` (${options.method} ${url})` : url ? ` (${url})` : "";
    super(scrub(`${summary}${where}${hint ? `. Hint: ${hint}` : ""}`), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.summary = summary;
    this.hint = hint;
    this.method = options.method;
    this.url = url;
  }
}

export class ConfigurationError extends OpenHandsAPIError {
  static override defaultHint = "pass it as an option or set the environment variable named in the message";
}

export class InvalidArgumentError extends ConfigurationError {
  static override defaultHint = "fix the argument; nothing was sent to the server";
}

export class APIConnectionError extends OpenHandsAPIError {
  static override defaultHint = "check that the server is running and that the URL (scheme, host, port) is right";
}

export class APITimeoutError extends APIConnectionError {
  static override defaultHint = "the server did not answer in time; retry, or pass a larger timeoutMs";
}

export interface StatusErrorOptions extends ErrorOptions {
  status: number;
  body: unknown;
  headers?: Headers | undefined;
}

export class APIStatusError extends OpenHandsAPIError {
  static override defaultHint = "see the server's message";
  readonly statusCode: number;
  /** The decoded JSON body (or its text). */
  readonly body: unknown;
  readonly headers: Headers | undefined;

  constructor(message: string, options: StatusErrorOptions) {
    super(message, options);
    this.statusCode = options.status;
    this.body = options.body;
    this.headers = options.headers;
  }
}

/** The same answer under another class or message (a 500 that means a bad cursor ...). */
export function sameAnswer(err: APIStatusError): StatusErrorOptions {
  return { status: err.statusCode, body: err.body, headers: err.headers, method: err.method, url: err.url, cause: err };
}

export class BadRequestError extends APIStatusError {
  static override defaultHint = "the server rejected the request's parameters; check them against the API reference";
}

export class AuthenticationError extends APIStatusError {
  static override defaultHint = "the key is missing or wrong: check the session key / API key you passed (it is never printed)";
}

export class NotFoundError extends APIStatusError {
  static override defaultHint = "check the id (a conversation id, not a start-task or sandbox id) and that it still exists";
}

export class ConflictError extends APIStatusError {
  static override defaultHint = "the resource is busy (e.g. already running): wait for it or pause it first";
}

export class RateLimitError extends APIStatusError {
  static override defaultHint = "too many requests: slow down, or wait for retryAfter seconds";
  /** Seconds the server asked to wait (Retry-After), if it said. */
  readonly retryAfter: number | undefined;

  constructor(message: string, options: StatusErrorOptions & { retryAfter: number | undefined }) {
    super(message, options);
    this.retryAfter = options.retryAfter;
  }
}

export class ServerError extends APIStatusError {
  static override defaultHint = "the server failed; retry later and look at the server's log";
}

export class UnexpectedContentError extends OpenHandsAPIError {
  static override defaultHint = "check the base URL and path; if the server is newer than this client, report the payload";
  /** What was received, when there was something. */
  readonly raw: unknown;

  constructor(message: string, options: ErrorOptions & { raw?: unknown } = {}) {
    super(message, options);
    this.raw = options.raw;
  }
}

export class WaitTimeoutError extends OpenHandsAPIError {
  static override defaultHint = "the work is still going on; wait longer (timeoutMs) or check it in the server's UI/logs";
  readonly lastStatus: unknown;

  constructor(message: string, options: ErrorOptions & { lastStatus?: unknown } = {}) {
    super(message, options);
    this.lastStatus = options.lastStatus;
  }
}

export class StartTaskTimeout extends WaitTimeoutError {}

export class StartTaskFailedError extends OpenHandsAPIError {
  static override defaultHint = "read the detail; the sandbox may still be running (delete it with deleteSandbox) - retry the start";
  /** The start task as the server sent it. */
  readonly task: { id: string; detail?: unknown };
  /** The server's reason (may be empty). */
  readonly detail: string;

  constructor(task: { id: string; detail?: unknown }) {
    const detail = typeof task.detail === "string" ? task.detail : "";
    super(`start task ${task.id} failed: ${detail || "(the server gave no detail; look at the app server's log)"}`);
    this.task = task;
    this.detail = detail;
  }
}

/**
 * The agent server could not be found or used. `step` names what failed: `identify`, `start task`,
 * `sandbox` (missing, ERROR, PAUSED with resume off), `url` / `key` (none named by the server).
 */
export class ResolverError extends OpenHandsAPIError {
  static override defaultHint = "see the step in the message";
  readonly step: string;

  constructor(message: string, options: { step: string; hint?: string | undefined }) {
    super(`${options.step}: ${message}`, { hint: options.hint });
    this.step = options.step;
  }
}

export class EventCountError extends OpenHandsAPIError {
  static override defaultHint = "the conversation exists but no source answered; see each source's reason";
  readonly attempts: readonly { source: string; error: string | null }[];

  constructor(conversationId: string, attempts: readonly { source: string; error: string | null }[]) {
    super(`could not count the events of conversation ${conversationId} (${attempts.map((a) => `${a.source}: ${a.error}`).join("; ")})`);
    this.attempts = attempts;
  }
}

export class InvalidCursorError extends BadRequestError {
  static override defaultHint = "pass a next_page_id exactly as a previous page returned it, or leave pageId out to start at the first page";
}

export class ConversationNotRunningError extends ConflictError {
  static override defaultHint = "start it again, then send the message again";
}

/** The human part of an error body: FastAPI's `detail`, OpenHands' `error` / `message`. */
export function serverMessage(body: unknown): string {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    for (const key of ["detail", "error", "message"]) {
      const value = record[key];
      if (typeof value === "string" && value) return value;
      if (Array.isArray(value) && value.length) {
        // FastAPI validation errors: "loc.path: msg" for the first three.
        const parts = value.slice(0, 3).map((item) => {
          const entry = (item ?? {}) as { loc?: unknown[]; msg?: unknown };
          const loc = Array.isArray(entry.loc) ? entry.loc.join(".") : "";
          return [loc, typeof entry.msg === "string" ? entry.msg : ""].filter(Boolean).join(": ");
        });
        return parts.filter(Boolean).join("; ") || JSON.stringify(value).slice(0, 200);
      }
    }
  }
  if (typeof body === "string") {
    const text = body.trim();
    return /^<(!doctype html|html)/i.test(text) ? "an HTML page" : text.slice(0, 200);
  }
  return body === undefined || body === null ? "" : JSON.stringify(body).slice(0, 200);
}

/** Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date); undefined if absent. */
export function parseRetryAfter(headers: Headers, now: () => number = Date.now): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value));
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, (when - now()) / 1000);
}

function decodeBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Map an error response to the one class for its status (the only place this mapping lives). */
export function errorFromResponse(status: number, headers: Headers, text: string, method: string, url: string): APIStatusError {
  const body = decodeBody(scrub(text)); // a server may echo the key back: never keep it
  const detail = serverMessage(body);
  const message = `HTTP ${status}${detail ? `: ${detail}` : ""}`;
  const options: StatusErrorOptions = { status, body, headers, method, url };
  if (status === 429) return new RateLimitError(message, { ...options, retryAfter: parseRetryAfter(headers) });
  if (status === 400 || status === 422) return new BadRequestError(message, options);
  if (status === 401 || status === 403) return new AuthenticationError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 409) return new ConflictError(message, options);
  if (status >= 500) return new ServerError(message, options);
  return new APIStatusError(message, options);
}
