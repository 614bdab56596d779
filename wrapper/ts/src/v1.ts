// The V1 app server (/api/v1/...: OpenHands Cloud, or self-hosted openhands-ai >= 1.7).
// Mirrors wrapper/openhands_api/v1.py: start a conversation (a start task) and wait for READY and
// then for a settled execution status; search/get/count conversations, events and start tasks;
// sandboxes. The resolver (any id -> agent server URL + key) and the counting with fallbacks live
// in v1-resolve.ts.
import type { Client } from "openapi-fetch";
import type { components, paths } from "../../../generated/ts/app_server_v1.js";
import { writeAtomically } from "./agent.js";
import { ApiClient } from "./client.js";
import { discoverAppCredentials, type AppAuthOptions, type AuthScheme } from "./auth.js";
import {
  InvalidArgumentError, NotFoundError, ResolverError, StartTaskFailedError, StartTaskTimeout, UnexpectedContentError, WaitTimeoutError,
} from "./errors.js";
import type { V1Event } from "./events.js";
import { DEFAULT_PAGE_SIZE, checkLimit, iterItems } from "./pagination.js";
import { pollUntil, type PollOptions } from "./polling.js";
import { Transport, segment, unwrap, type TransportOptions } from "./transport.js";

type Schemas = components["schemas"];
export type StartTask = Schemas["AppConversationStartTask"];
export type AppConversation = Schemas["AppConversation"];
export type SandboxInfo = Schemas["SandboxInfo"];
type EventQuery = NonNullable<paths["/api/v1/conversation/{conversation_id}/events/search"]["get"]["parameters"]["query"]>;

/** Start-task statuses in the order a start goes through them (READY and ERROR end it). */
export const START_TASK_ACTIVE_STATUSES = ["WORKING", "WAITING_FOR_SANDBOX", "PREPARING_REPOSITORY", "RUNNING_SETUP_SCRIPT",
  "SETTING_UP_GIT_HOOKS", "SETTING_UP_SKILLS", "STARTING_CONVERSATION"] as const;
/** Execution statuses after which a conversation does not move on by itself / without the user. */
export const FINISHED_EXECUTION_STATUSES: ReadonlySet<string> = new Set(["finished", "error", "stuck"]);
export const NEEDS_USER_EXECUTION_STATUSES: ReadonlySet<string> = new Set(["paused", "waiting_for_confirmation"]);
// Polling a start task: about 2 s growing to 10 s (a sandbox takes 15-25 s to boot locally, longer
// on Cloud), polite to the 10 requests/s limit.
export const START_POLL = { initialMs: 2_000, maxMs: 10_000, factor: 1.5, timeoutMs: 600_000 } as const;

const HEX_UUID = /^[0-9a-f]{32}$/i;
const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The two id spellings the server accepts: 32 hex digits or a dashed UUID. */
export function isUuid(value: string): boolean {
  return typeof value === "string" && (HEX_UUID.test(value) || DASHED_UUID.test(value));
}

/** Compare two UUIDs whatever their spelling (the server mixes hex and dashed forms). */
export function sameId(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const norm = (id: string) => (isUuid(id) ? id.replace(/-/g, "").toLowerCase() : id);
  return norm(a) === norm(b);
}

/** Reject a malformed id before any request (the events routes answer it with a bare 500). */
export function checkConversationId(id: string, what = "conversation id"): string {
  if (typeof id !== "string" || !isUuid(id.trim())) {
    throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(id)}: expected a UUID (32 hex digits, dashes optional)`, {
      hint: "copy the id from searchConversations(); sandbox ids are not conversation ids",
    });
  }
  return id.trim();
}

export interface StartOptions {
  repository?: string | undefined;
  branch?: string | undefined;
  title?: string | undefined;
  run?: boolean | undefined;
  agentType?: Schemas["AppConversationStartRequest"]["agent_type"] | undefined;
  llmModel?: string | undefined;
  gitProvider?: string | undefined;
}

export interface StartedConversation {
  task: StartTask;
  conversation: AppConversation;
  conversationId: string;
}

export interface V1Options extends AppAuthOptions, TransportOptions {
  /** The fetch for the agent servers the resolver finds (default: `fetch`). */
  agentFetch?: TransportOptions["fetch"];
}

export class OpenHandsV1 extends ApiClient {
  readonly #api: Client<paths>;
  readonly #options: V1Options;
  readonly authScheme: AuthScheme;

  constructor(options: V1Options = {}) {
    const credentials = discoverAppCredentials(options);
    super(new Transport(credentials.baseUrl, credentials.auth, options));
    this.authScheme = credentials.scheme;
    this.#options = options;
    this.#api = this.transport.client<paths>();
  }

  /** What a client for a resolved agent server should send with (timeouts, retries, fetch). */
  get agentClientOptions(): TransportOptions {
    const { timeoutMs, maxRetries, sleep, random } = this.#options;
    return { timeoutMs, maxRetries, sleep, random, fetch: this.#options.agentFetch ?? this.#options.fetch };
  }

  async health(): Promise<string> {
    return String(await unwrap(this.#api.GET("/health")));
  }

  async me(): Promise<Schemas["UserInfo"]> {
    return unwrap(this.#api.GET("/api/v1/users/me"));
  }

  // --- starting conversations -----------------------------------------------------------------------

  /** Ask the server to start a conversation: returns the start task at once. Not retried (a retry could start two). */
  async startConversation(prompt: string, options: StartOptions = {}): Promise<StartTask> {
    if (typeof prompt !== "string" || !prompt.trim()) throw new InvalidArgumentError("the prompt is empty");
    const body: Schemas["AppConversationStartRequest"] = {
      initial_message: { role: "user", content: [{ type: "text", text: prompt }], run: options.run ?? true },
    };
    if (options.repository !== undefined) {
      if (!/^[^/]+\/[^/]+$/.test(options.repository)) throw new InvalidArgumentError(`repository ${JSON.stringify(options.repository)} must look like owner/repo`);
      body.selected_repository = options.repository;
    }
    if (options.branch !== undefined) body.selected_branch = options.branch;
    if (options.title !== undefined) body.title = options.title;
    if (options.agentType !== undefined) body.agent_type = options.agentType;
    if (options.llmModel !== undefined) body.llm_model = options.llmModel;
    if (options.gitProvider !== undefined) body.git_provider = options.gitProvider as Schemas["AppConversationStartRequest"]["git_provider"];
    return unwrap(this.#api.POST("/api/v1/app-conversations", { body, ...this.transport.with({ retry: false }) }));
  }

  /** Start tasks by id, in order; null where an id is unknown. */
  async getStartTasks(taskIds: string[]): Promise<(StartTask | null)[]> {
    if (!taskIds.length) return [];
    const ids = taskIds.map((id) => checkConversationId(id, "start task id"));
    return unwrap(this.#api.GET("/api/v1/app-conversations/start-tasks", { params: { query: { ids } } }));
  }

  async getStartTask(taskId: string): Promise<StartTask> {
    const [task] = await this.getStartTasks([taskId]);
    if (task) return task;
    const isConversation = (await this.getConversations([taskId]))[0] != null;
    throw this.#notFound(`no start task has id ${taskId}`, `/api/v1/app-conversations/start-tasks?ids=${taskId}`,
      isConversation ? "this is a conversation id, not a start-task id: use getConversation() with it" : "check the id");
  }

  async countStartTasks(): Promise<number> {
    return unwrap(this.#api.GET("/api/v1/app-conversations/start-tasks/count"));
  }

  /** Poll the start task (about 2 s growing to 10 s) until READY. ERROR raises StartTaskFailedError. */
  async waitUntilReady(taskId: string, options: PollOptions<StartTask> = {}): Promise<StartTask> {
    checkConversationId(taskId, "start task id");
    const task = await pollUntil(() => this.getStartTask(taskId), (t) => t.status === "READY" || t.status === "ERROR", {
      ...START_POLL, describe: (t) => `status=${t.status}`, what: `start task ${taskId}`, sleep: this.transport.sleeper, ...options,
    }).catch((err: unknown) => {
      throw err instanceof WaitTimeoutError ? new StartTaskTimeout(err.summary, { lastStatus: err.lastStatus, cause: err }) : err;
    });
    if (task.status === "ERROR") throw new StartTaskFailedError(task);
    if (!task.app_conversation_id) throw new UnexpectedContentError(`start task ${taskId} is READY but names no app_conversation_id`, { raw: task });
    return task;
  }

  /**
   * Poll the conversation until its execution status is in `stopOn` (finished/error/stuck,
   * paused/waiting_for_confirmation by default). A PAUSED, MISSING or ERROR sandbox raises
   * ResolverError at once instead of waiting in vain (the status is only known while it runs).
   */
  async waitUntilFinished(conversationId: string, options: PollOptions<AppConversation> & { stopOn?: ReadonlySet<string> } = {}): Promise<AppConversation> {
    const stopOn = options.stopOn ?? new Set([...FINISHED_EXECUTION_STATUSES, ...NEEDS_USER_EXECUTION_STATUSES]);
    const done = (conv: AppConversation): boolean => {
      const sandbox = String(conv.sandbox_status ?? "");
      if (["PAUSED", "MISSING", "ERROR"].includes(sandbox)) {
        throw new ResolverError(`conversation ${conversationId}: its sandbox is ${sandbox}, so it cannot finish`, {
          step: "sandbox", hint: "resume a PAUSED sandbox (resumeSandbox); MISSING or ERROR means it is gone: start a new conversation",
        });
      }
      return stopOn.has(String(conv.execution_status));
    };
    return pollUntil(() => this.getConversation(conversationId), done, {
      ...START_POLL, timeoutMs: undefined, what: `conversation ${conversationId}`, sleep: this.transport.sleeper,
      describe: (c) => `execution_status=${c.execution_status}, sandbox_status=${c.sandbox_status}`, ...options,
    });
  }

  /** Start, wait for READY, then (`waitFinished`, default) for a settled execution status. */
  async startConversationAndWait(
    prompt: string,
    options: StartOptions & { waitFinished?: boolean; timeoutMs?: number; onProgress?: (line: string) => void } = {},
  ): Promise<StartedConversation> {
    const last = new Map<string, string>();
    const report = (kind: string, status: string): void => {
      if (options.onProgress && last.get(kind) !== status) {
        last.set(kind, status);
        options.onProgress(`${kind}: ${status}`);
      }
    };
    const timeoutMs = options.timeoutMs ?? START_POLL.timeoutMs;
    const deadline = performance.now() + timeoutMs;
    const created = await this.startConversation(prompt, options);
    options.onProgress?.(`start task ${created.id} created`);
    report("start task", String(created.status));
    const task = await this.waitUntilReady(created.id, { timeoutMs, onProgress: (t) => report("start task", String(t.status)) });
    const conversationId = String(task.app_conversation_id);
    report("conversation", `${conversationId} ready`);
    const conversation = options.waitFinished === false
      ? await this.getConversation(conversationId)
      : await this.waitUntilFinished(conversationId, {
        timeoutMs: Math.max(1_000, deadline - performance.now()), onProgress: (c) => report("execution", String(c.execution_status)),
      });
    return { task, conversation, conversationId };
  }

  // --- conversations --------------------------------------------------------------------------------

  #notFound(message: string, path: string, hint: string): NotFoundError {
    // A batch answer's null: HTTP 200 on the wire, "404" in meaning.
    return new NotFoundError(message, { status: 404, body: { detail: message }, method: "GET", url: `${this.baseUrl}${path}`, hint });
  }

  /** Conversations by id, in order; null where an id is unknown (InvalidArgumentError for a non-UUID). */
  async getConversations(conversationIds: string[]): Promise<(AppConversation | null)[]> {
    if (!conversationIds.length) return [];
    const ids = conversationIds.map((id) => checkConversationId(id));
    return unwrap(this.#api.GET("/api/v1/app-conversations", { params: { query: { ids } } }));
  }

  /** One conversation. Unknown: NotFoundError; a start-task id gets a hint naming its conversation. */
  async getConversation(conversationId: string): Promise<AppConversation> {
    const [conv] = await this.getConversations([conversationId]);
    if (conv) return conv;
    let hint = "check the id with searchConversations()";
    const task = (await this.getStartTasks([conversationId]).catch(() => [null]))[0];
    if (task) {
      hint = `${conversationId} is a start-task id, not a conversation id; ` +
        (task.app_conversation_id ? `its conversation is ${task.app_conversation_id}` : `its conversation is not ready yet (status ${task.status})`);
    }
    throw this.#notFound(`no conversation has id ${conversationId}`, `/api/v1/app-conversations?ids=${conversationId}`, hint);
  }

  async searchConversations(query: { limit?: number; page_id?: string; title__contains?: string; sandbox_id__eq?: string } = {}): Promise<Schemas["AppConversationPage"]> {
    checkLimit(query.limit);
    return unwrap(this.#api.GET("/api/v1/app-conversations/search", { params: { query } }));
  }

  iterConversations(pageSize = DEFAULT_PAGE_SIZE, maxItems?: number): AsyncGenerator<AppConversation> {
    checkLimit(pageSize, "pageSize");
    return iterItems((pageId) => this.searchConversations({ limit: pageSize, ...(pageId ? { page_id: pageId } : {}) }), maxItems);
  }

  async countConversations(): Promise<number> {
    return unwrap(this.#api.GET("/api/v1/app-conversations/count"));
  }

  /** Delete a conversation (its sandbox goes too unless shared). */
  async deleteConversation(conversationId: string): Promise<void> {
    await unwrap(this.#api.DELETE("/api/v1/app-conversations/{conversation_id}", {
      params: { path: { conversation_id: checkConversationId(conversationId) } },
    }));
  }

  /** The conversation's trajectory zip, in memory (NotFoundError if unknown). */
  async readTrajectory(conversationId: string): Promise<Uint8Array> {
    const data = await unwrap(this.#api.GET("/api/v1/app-conversations/{conversation_id}/download", {
      params: { path: { conversation_id: checkConversationId(conversationId) } }, parseAs: "arrayBuffer", ...this.transport.with({ binary: true }),
    }));
    return new Uint8Array(data as ArrayBuffer);
  }

  /** Save the trajectory zip to `path` (no partial file on error); returns its size in bytes. */
  async downloadTrajectory(conversationId: string, path: string): Promise<number> {
    return writeAtomically(path, await this.readTrajectory(conversationId));
  }

  // --- events ---------------------------------------------------------------------------------------

  async searchEvents(conversationId: string, options: { limit?: number; pageId?: string; kind?: EventQuery["kind__eq"]; sortOrder?: Schemas["EventSortOrder"] } = {}): Promise<Schemas["EventPage"]> {
    checkLimit(options.limit);
    const query: EventQuery = {};
    if (options.limit !== undefined) query.limit = options.limit;
    if (options.pageId) query.page_id = options.pageId;
    if (options.kind !== undefined) query.kind__eq = options.kind;
    if (options.sortOrder !== undefined) query.sort_order = options.sortOrder;
    return unwrap(this.#api.GET("/api/v1/conversation/{conversation_id}/events/search", {
      params: { path: { conversation_id: checkConversationId(conversationId) }, query },
    }));
  }

  iterEvents(conversationId: string, options: { kind?: EventQuery["kind__eq"]; pageSize?: number; maxItems?: number } = {}): AsyncGenerator<V1Event> {
    const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
    checkLimit(limit, "pageSize");
    const { kind } = options;
    return iterItems((pageId) => this.searchEvents(conversationId, { limit, ...(pageId ? { pageId } : {}), ...(kind ? { kind } : {}) }), options.maxItems);
  }

  /** The app server's own count (it lags while webhooks are buffered; see countEvents for fallbacks). */
  async countEventsApp(conversationId: string): Promise<number> {
    return unwrap(this.#api.GET("/api/v1/conversation/{conversation_id}/events/count", {
      params: { path: { conversation_id: checkConversationId(conversationId) } },
    }));
  }

  // --- sandboxes ------------------------------------------------------------------------------------

  async searchSandboxes(query: { limit?: number; page_id?: string } = {}): Promise<Schemas["SandboxPage"]> {
    checkLimit(query.limit);
    return unwrap(this.#api.GET("/api/v1/sandboxes/search", { params: { query } }));
  }

  iterSandboxes(pageSize = DEFAULT_PAGE_SIZE, maxItems?: number): AsyncGenerator<SandboxInfo> {
    return iterItems((pageId) => this.searchSandboxes({ limit: pageSize, ...(pageId ? { page_id: pageId } : {}) }), maxItems);
  }

  /** Sandboxes by id, in order; null where unknown. */
  async getSandboxes(sandboxIds: string[]): Promise<(SandboxInfo | null)[]> {
    if (!sandboxIds.length) return [];
    const id = sandboxIds.map((s) => segment(s, "sandbox id"));
    return unwrap(this.#api.GET("/api/v1/sandboxes", { params: { query: { id } } }));
  }

  async getSandbox(sandboxId: string): Promise<SandboxInfo> {
    const [sandbox] = await this.getSandboxes([sandboxId]);
    if (sandbox) return sandbox;
    throw this.#notFound(`no sandbox has id ${sandboxId}`, `/api/v1/sandboxes?id=${sandboxId}`, "check the id with searchSandboxes()");
  }

  async pauseSandbox(sandboxId: string): Promise<void> {
    await unwrap(this.#api.POST("/api/v1/sandboxes/{sandbox_id}/pause", { params: { path: { sandbox_id: segment(sandboxId, "sandbox id") } } }));
  }

  async resumeSandbox(sandboxId: string): Promise<void> {
    await unwrap(this.#api.POST("/api/v1/sandboxes/{sandbox_id}/resume", { params: { path: { sandbox_id: segment(sandboxId, "sandbox id") } } }));
  }

  /** Poll a sandbox until RUNNING (ERROR/MISSING raise ResolverError at once). */
  async waitSandboxRunning(sandboxId: string, options: PollOptions<SandboxInfo> = {}): Promise<SandboxInfo> {
    return pollUntil(() => this.getSandbox(sandboxId), (s) => {
      if (s.status === "ERROR" || s.status === "MISSING") throw new ResolverError(`sandbox ${sandboxId} is ${s.status}`, { step: "sandbox" });
      return s.status === "RUNNING";
    }, { ...START_POLL, timeoutMs: 120_000, describe: (s) => `status=${s.status}`, what: `sandbox ${sandboxId}`, sleep: this.transport.sleeper, ...options });
  }

  async deleteSandbox(sandboxId: string): Promise<void> {
    const id = segment(sandboxId, "sandbox id");
    await unwrap(this.#api.DELETE("/api/v1/sandboxes/{id}", { params: { path: { id }, query: { sandbox_id: id } } }));
  }

}
