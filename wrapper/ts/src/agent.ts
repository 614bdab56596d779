// The agent server client (inside every sandbox): conversations, events, bash, files.
// Mirrors wrapper/openhands_api/agent/; results are the server's JSON typed by generated/ts.
import type { Client } from "openapi-fetch";
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, posix } from "node:path";
import type { components, paths } from "../../../generated/ts/agent_server.js";
import { KeyAuth, sessionKeyFrom } from "./auth.js";
import { ApiClient } from "./client.js";
import { InvalidArgumentError } from "./errors.js";
import type { AgentEvent } from "./events.js";
import { DEFAULT_PAGE_SIZE, checkLimit, iterItems, neededPageSize } from "./pagination.js";
import { pollUntil, type PollOptions } from "./polling.js";
import type { Secret } from "./secret.js";
import { DEFAULTS, Transport, segment, unwrap, type TransportOptions } from "./transport.js";

type Schemas = components["schemas"];
export type ConversationInfo = Schemas["ConversationInfo"];
export type ServerInfo = Schemas["ServerInfo"];
export type UploadResult = Schemas["Success"] & { file_size?: number };
type Query<P extends keyof paths, M extends "get"> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
export type EventSearch = Omit<Query<"/api/conversations/{conversation_id}/events/search", "get">, "page_id">;
export type ConversationSearch = Omit<Query<"/api/conversations/search", "get">, "page_id">;

/** Execution statuses after which a conversation does not move on by itself / without the user. */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(["finished", "error", "stuck"]);
export const NEEDS_USER_STATUSES: ReadonlySet<string> = new Set(["paused", "waiting_for_confirmation"]);

export interface BashResult {
  command: string;
  /** null when the server gave none; -1 when it killed the command on timeout. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ok: boolean;
  raw: Schemas["BashOutput"];
}

export interface StartConversationOptions {
  workingDir: string;
  llmModel: string;
  llmApiKey?: string | Secret | undefined;
  llmBaseUrl?: string | undefined;
  prompt?: string | undefined;
  tools?: string[] | undefined;
  /** "subprocess" makes terminal output deterministic (the default tmux terminal's text varies). */
  terminalType?: "tmux" | "subprocess" | undefined;
  maxIterations?: number | undefined;
  conversationId?: string | undefined;
  autotitle?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  llmExtra?: Record<string, unknown> | undefined;
}

export interface AgentServerOptions extends TransportOptions {
  /** Default: $OH_SESSION_API_KEY. */
  sessionKey?: string | Secret | undefined;
}

export function requireAbsolute(path: string): string {
  if (typeof path !== "string" || !posix.isAbsolute(path)) {
    throw new InvalidArgumentError(`remote path ${JSON.stringify(path)} is not absolute`, {
      hint: "the agent server only accepts absolute paths, e.g. /workspace/file.txt",
    });
  }
  return path;
}

// A random boundary per upload: a fixed one can occur in the file, which the server then refuses or
// cuts short (test replays canonicalise it, as the Python cassettes do).
function multipartFile(name: string, content: Uint8Array, boundary: string): Uint8Array {
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name.replace(/"/g, "%22")}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  const out = new Uint8Array(head.length + content.length + tail.length);
  out.set(head, 0);
  out.set(content, head.length);
  out.set(tail, head.length + content.length);
  return out;
}

export class AgentServerClient extends ApiClient {
  readonly #api: Client<paths>;

  constructor(url: string, options: AgentServerOptions = {}) {
    super(new Transport(url, new KeyAuth("session-key", sessionKeyFrom(options.sessionKey)), options));
    this.#api = this.transport.client<paths>();
  }

  get url(): string {
    return this.transport.baseUrl;
  }

  // --- server ---------------------------------------------------------------------------------------

  async serverInfo(): Promise<ServerInfo> {
    return unwrap(this.#api.GET("/server_info"));
  }

  async isReady(): Promise<boolean> {
    const body: unknown = await unwrap(this.#api.GET("/ready"));
    return (body as { status?: unknown })?.status === "ready" || body === "OK";
  }

  // --- conversations --------------------------------------------------------------------------------

  /** Start a conversation; with `prompt` the agent starts running at once. Not retried (a retry could start two). */
  async startConversation(options: StartConversationOptions): Promise<ConversationInfo> {
    const llm: Record<string, unknown> = { model: options.llmModel, ...options.llmExtra };
    if (options.llmBaseUrl !== undefined) llm.base_url = options.llmBaseUrl;
    if (options.llmApiKey !== undefined) llm.api_key = typeof options.llmApiKey === "string" ? options.llmApiKey : options.llmApiKey.reveal();
    const tools = (options.tools ?? ["terminal"]).map((name) =>
      name === "terminal" && options.terminalType ? { name, params: { terminal_type: options.terminalType } } : { name });
    const body: Record<string, unknown> = { agent: { llm, tools }, workspace: { working_dir: options.workingDir } };
    if (options.prompt !== undefined) body.initial_message = { role: "user", content: [{ type: "text", text: options.prompt }] };
    for (const [key, value] of [["max_iterations", options.maxIterations], ["conversation_id", options.conversationId],
      ["autotitle", options.autotitle], ["tags", options.tags]] as const) {
      if (value !== undefined) body[key] = value;
    }
    return unwrap(this.#api.POST("/api/conversations", {
      body: body as unknown as Schemas["StartConversationRequest"], ...this.transport.with({ retry: false }),
    }));
  }

  async getConversation(conversationId: string): Promise<ConversationInfo> {
    return unwrap(this.#api.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
    }));
  }

  /** Several conversations at once, in order; null where an id is unknown. */
  async getConversations(conversationIds: string[]): Promise<(ConversationInfo | null)[]> {
    return unwrap(this.#api.GET("/api/conversations", { params: { query: { ids: conversationIds } } }));
  }

  async searchConversations(query: ConversationSearch & { page_id?: string | undefined } = {}): Promise<Schemas["ConversationPage"]> {
    checkLimit(query.limit);
    return unwrap(this.#api.GET("/api/conversations/search", { params: { query } }));
  }

  /** Every conversation, one request per page of `pageSize` when iteration reaches it. */
  iterConversations(query: Omit<ConversationSearch, "limit"> = {}, pageSize = DEFAULT_PAGE_SIZE, maxItems?: number): AsyncGenerator<ConversationInfo> {
    checkLimit(pageSize, "pageSize");
    return iterItems((pageId) => this.searchConversations({ ...query, limit: neededPageSize(pageSize, maxItems), ...(pageId ? { page_id: pageId } : {}) }), maxItems);
  }

  async countConversations(status?: Query<"/api/conversations/count", "get">["status"]): Promise<number> {
    return unwrap(this.#api.GET("/api/conversations/count", { params: { query: status === undefined ? {} : { status } } }));
  }

  async deleteConversation(conversationId: string): Promise<void> {
    await unwrap(this.#api.DELETE("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
    }));
  }

  /** Start or resume the agent loop (ConflictError if it is already running). */
  async run(conversationId: string): Promise<void> {
    await unwrap(this.#api.POST("/api/conversations/{conversation_id}/run", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } }, ...this.transport.with({ retry: false }),
    }));
  }

  /** Ask the agent to pause; it stops after the step in flight. */
  async pause(conversationId: string): Promise<void> {
    await unwrap(this.#api.POST("/api/conversations/{conversation_id}/pause", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } }, ...this.transport.with({ retry: false }),
    }));
  }

  /** Append a user message; `run: true` also starts the agent loop. */
  async sendMessage(conversationId: string, text: string, options: { run?: boolean } = {}): Promise<void> {
    await unwrap(this.#api.POST("/api/conversations/{conversation_id}/events", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
      body: { role: "user", content: [{ type: "text", text }], run: options.run ?? false },
      ...this.transport.with({ retry: false }),
    }));
  }

  /** Poll until the execution status is finished/error/stuck or paused/waiting_for_confirmation (or `stopOn`). */
  async waitUntilFinished(conversationId: string, options: PollOptions<ConversationInfo> & { stopOn?: ReadonlySet<string> } = {}): Promise<ConversationInfo> {
    const stopOn = options.stopOn ?? new Set([...FINISHED_STATUSES, ...NEEDS_USER_STATUSES]);
    return pollUntil(() => this.getConversation(conversationId), (conv) => stopOn.has(String(conv.execution_status)), {
      describe: (conv) => `execution_status=${conv.execution_status}`, what: `conversation ${conversationId}`, sleep: this.transport.sleeper, ...options,
    });
  }

  // --- events ---------------------------------------------------------------------------------------

  /** One page of events, oldest first by default (`kind` is an event class such as ActionEvent). */
  async searchEvents(conversationId: string, query: EventSearch & { page_id?: string | undefined } = {}): Promise<Schemas["EventPage"]> {
    checkLimit(query.limit);
    return unwrap(this.#api.GET("/api/conversations/{conversation_id}/events/search", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") }, query },
    }));
  }

  /** Every event, following next_page_id lazily (one request per page, when reached). */
  iterEvents(conversationId: string, query: Omit<EventSearch, "limit"> = {}, pageSize = DEFAULT_PAGE_SIZE, maxItems?: number): AsyncGenerator<AgentEvent> {
    checkLimit(pageSize, "pageSize");
    return iterItems((pageId) => this.searchEvents(conversationId, { ...query, limit: neededPageSize(pageSize, maxItems), ...(pageId ? { page_id: pageId } : {}) }), maxItems);
  }

  /** The server's own count (NotFoundError for an unknown conversation). */
  async countEvents(conversationId: string, filter: Query<"/api/conversations/{conversation_id}/events/count", "get"> = {}): Promise<number> {
    return unwrap(this.#api.GET("/api/conversations/{conversation_id}/events/count", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") }, query: filter },
    }));
  }

  async getEvent(conversationId: string, eventId: string): Promise<AgentEvent> {
    return unwrap(this.#api.GET("/api/conversations/{conversation_id}/events/{event_id}", {
      params: { path: { conversation_id: segment(conversationId, "conversation id"), event_id: segment(eventId, "event id") } },
    }));
  }

  // --- bash -----------------------------------------------------------------------------------------

  /**
   * Run `command` and wait for it. A non-zero exit is a result, not an error. When the command
   * outlives `timeoutS` (server default 300 s) the server kills it: exit code -1, `timedOut`.
   */
  async bash(command: string, options: { cwd?: string; timeoutS?: number } = {}): Promise<BashResult> {
    const body: Schemas["ExecuteBashRequest"] = { command };
    if (options.cwd !== undefined) body.cwd = requireAbsolute(options.cwd);
    if (options.timeoutS !== undefined) body.timeout = Math.trunc(options.timeoutS);
    // The answer comes when the command ends: its own timeout plus the usual read time.
    const timeoutMs = (options.timeoutS ?? 300) * 1000 + DEFAULTS.timeoutMs;
    const out = await unwrap(this.#api.POST("/api/bash/execute_bash_command", { body, ...this.transport.with({ retry: false, timeoutMs }) }));
    const stderr = typeof out.stderr === "string" ? out.stderr : "";
    const exitCode = typeof out.exit_code === "number" ? out.exit_code : null;
    // -1 means "killed on timeout" unless the server itself could not start the command.
    const timedOut = exitCode === -1 && !stderr.startsWith("Error executing command");
    return { command, exitCode, stdout: typeof out.stdout === "string" ? out.stdout : "", stderr, timedOut, ok: exitCode === 0, raw: out };
  }

  // --- files ----------------------------------------------------------------------------------------

  /** Write `content` (bytes, or a local file path) to `remotePath` (absolute); folders are created. */
  async uploadFile(content: Uint8Array | string, remotePath: string): Promise<UploadResult> {
    requireAbsolute(remotePath);
    const bytes = typeof content === "string" ? new Uint8Array(await readFile(content)) : content;
    const boundary = `openhands-api-${randomBytes(16).toString("hex")}`;
    return unwrap(this.#api.POST("/api/file/upload", {
      params: { query: { path: remotePath } },
      body: multipartFile(posix.basename(remotePath), bytes, boundary) as never,
      bodySerializer: (b: unknown) => b as Uint8Array,
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      ...this.transport.with({ retry: false }),
    })) as Promise<UploadResult>;
  }

  /** The whole content of `remotePath` in memory. */
  async readFile(remotePath: string): Promise<Uint8Array> {
    const data = await unwrap(this.#api.GET("/api/file/download", {
      params: { query: { path: requireAbsolute(remotePath) } }, parseAs: "arrayBuffer", ...this.transport.with({ binary: true }),
    }));
    return new Uint8Array(data as ArrayBuffer);
  }

  /**
   * Copy `remotePath` into `localPath`; returns the number of bytes. Written to a temporary file
   * beside `localPath` and renamed at the end: on any error no partial file is left.
   */
  async downloadFile(remotePath: string, localPath: string): Promise<number> {
    const data = await this.readFile(remotePath);
    return writeAtomically(localPath, data);
  }

}

/** Write `data` to `path` through a temporary file renamed at the end (no partial file on error). */
export async function writeAtomically(path: string, data: Uint8Array): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.part`);
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(data);
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  return data.length;
}
