// openhands-api for TypeScript: typed clients for the agent server, the V1 app server and the
// legacy V0 app server, from the same verified specs as the Python client.
export * from "./errors.js";
export { Secret, MASK, scrub } from "./secret.js";
export * from "./auth.js";
export { DEFAULTS, IDEMPOTENT_METHODS, RETRYABLE_STATUSES, Transport, backoffDelayMs, segment, timing, type CallOptions, type TransportOptions } from "./transport.js";
export { pollUntil, POLL_DEFAULTS, type PollOptions } from "./polling.js";
export { checkLimit, iterItems, collect, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, type Page } from "./pagination.js";
export * from "./events.js";
export * from "./agent.js";
export * from "./v0.js";
export * from "./v1.js";
export * from "./v1-resolve.js";
