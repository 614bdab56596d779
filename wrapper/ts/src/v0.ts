// The legacy V0 app server (/api/conversations ...), with the seed's TypeScript names and shapes:
//
//   const api = new OpenHandsAPI({ apiKey: process.env.OPENHANDS_API_KEY! });
//   const conv = await api.createConversation({ initialUserMsg, repository, selectedBranch });
//   const final = await api.pollUntilTerminal(conv.conversation_id, { timeoutMs, pollIntervalMs });
//   console.log(final.status, final.url);
//
// Mirrors wrapper/openhands_api/v0.py. On a real server `status` stays RUNNING after the agent
// finished, so pollUntilTerminal also ends on the last `agent_state_changed` event (finished,
// awaiting_user_input, error, stopped, rejected), and says which signal ended it (`endedBy`).
import type { Client } from "openapi-fetch";
import type { components, paths } from "../../../generated/ts/v0.js";
import { ApiClient } from "./client.js";
import { discoverAppCredentials, type AppAuthOptions, type AuthScheme } from "./auth.js";
import {
  ConversationNotRunningError, InvalidArgumentError, InvalidCursorError, NotFoundError, ServerError, UnexpectedContentError, sameAnswer,
} from "./errors.js";
import { checkLimit, iterItems } from "./pagination.js";
import { pollUntil } from "./polling.js";
import { Transport, segment, unwrap, type TransportOptions } from "./transport.js";

type Schemas = components["schemas"];
export type CreatedConversation = Schemas["ConversationResponse"];
export type V0Conversation = Schemas["ConversationInfo"];
export type V0ConversationPage = Schemas["ConversationInfoResultSet"];
export type V0EventPage = Schemas["EventPage"];
export type V0Event = V0EventPage["events"][number];
export type V0Trajectory = Schemas["Trajectory"];

/** `status` values after which a conversation does not run by itself (hosted deployments). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["STOPPED", "ERROR", "ARCHIVED"]);
/** `agent_state` values of an `agent_state_changed` event after which the agent waits or is done. */
export const TERMINAL_AGENT_STATES: ReadonlySet<string> = new Set(["finished", "awaiting_user_input", "error", "stopped", "rejected"]);
export const V0_DEFAULTS = { pollTimeoutMs: 20 * 60_000, pollIntervalMs: 30_000, firstPollIntervalMs: 1_000, eventsPageSize: 100 } as const;
export const PROVIDER_TOKEN_HINT =
  "the server has no git token for this repository's provider: store one in the server's settings (or leave out repository)";
const LIMIT_HINT = "use 1..100: the V0 server rejects (events) or mishandles (list: limit=0 never ends) other values";

export interface CreateConversationOptions {
  initialUserMsg?: string | undefined;
  repository?: string | undefined;
  selectedBranch?: string | undefined;
  gitProvider?: Schemas["InitSessionRequest"]["git_provider"] | undefined;
  conversationInstructions?: string | undefined;
  imageUrls?: string[] | undefined;
  replayJson?: string | undefined;
}

export type EndedBy = "status" | "agent_state";
export type PollResult = V0Conversation & {
  endedBy: EndedBy;
  agentState: string | null;
  lastEventId: number | null;
  polls: number;
  elapsedMs: number;
};
export interface PollProgress {
  conversation: V0Conversation;
  status: string;
  agentState: string | null;
  lastEventId: number | null;
  polls: number;
}

/** `extras.agent_state` if `event` is an `agent_state_changed` observation, else null. */
export function agentStateOf(event: unknown): string | null {
  const e = event as { observation?: unknown; extras?: { agent_state?: unknown } } | null;
  if (e?.observation !== "agent_state_changed") return null;
  return typeof e.extras?.agent_state === "string" ? e.extras.agent_state : null;
}

function terminalSignal(progress: PollProgress): EndedBy | null {
  if (TERMINAL_STATUSES.has(String(progress.status).toUpperCase())) return "status";
  return progress.agentState !== null && TERMINAL_AGENT_STATES.has(progress.agentState) ? "agent_state" : null;
}

export interface V0Options extends AppAuthOptions, TransportOptions {}

export class V0Client extends ApiClient {
  readonly #api: Client<paths>;
  readonly authScheme: AuthScheme;

  constructor(options: V0Options = {}) {
    const credentials = discoverAppCredentials(options);
    super(new Transport(credentials.baseUrl, credentials.auth, options));
    this.authScheme = credentials.scheme;
    this.#api = this.transport.client<paths>();
  }

  /** `POST /api/conversations`: its agent starts at once. Not retried (a retry could create two). */
  async createConversation(options: CreateConversationOptions = {}): Promise<CreatedConversation> {
    const body: Schemas["InitSessionRequest"] = {};
    if (options.initialUserMsg !== undefined) body.initial_user_msg = options.initialUserMsg;
    if (options.repository !== undefined) body.repository = options.repository;
    if (options.selectedBranch !== undefined) body.selected_branch = options.selectedBranch;
    if (options.gitProvider !== undefined) body.git_provider = options.gitProvider;
    if (options.conversationInstructions !== undefined) body.conversation_instructions = options.conversationInstructions;
    if (options.imageUrls !== undefined) body.image_urls = options.imageUrls;
    if (options.replayJson !== undefined) body.replay_json = options.replayJson;
    try {
      return await unwrap(this.#api.POST("/api/conversations", { body, ...this.transport.with({ retry: false }) }));
    } catch (err) {
      // A local server without a git token answers a repository with a bare 500.
      if (err instanceof ServerError && options.repository) {
        throw new ServerError(`creating a conversation on repository ${JSON.stringify(options.repository)} failed: ${err.summary}`, {
          ...sameAnswer(err), hint: PROVIDER_TOKEN_HINT,
        });
      }
      throw err;
    }
  }

  /** `GET /api/conversations/{id}`. An unknown id (the server answers 200 `null`) raises NotFoundError. */
  async getConversation(conversationId: string): Promise<V0Conversation> {
    const conv = await unwrap(this.#api.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
    }));
    if (conv === null) {
      throw new NotFoundError(`conversation ${JSON.stringify(conversationId)} not found (the server answered 200 null)`, {
        status: 200, body: null, method: "GET", url: `${this.baseUrl}/api/conversations/${conversationId}`,
        hint: "check the id (32 hex characters); deleted conversations are gone for good",
      });
    }
    if (typeof conv !== "object" || typeof conv.conversation_id !== "string") {
      throw new UnexpectedContentError("expected a conversation object", { raw: conv });
    }
    return conv;
  }

  /** `GET /api/conversations`: one page, newest first; `limit` 1..100. A cursor the server cannot decode: InvalidCursorError. */
  async listConversations(options: { limit?: number; pageId?: string; selectedRepository?: string; conversationTrigger?: string } = {}): Promise<V0ConversationPage> {
    const limit = options.limit ?? 20;
    checkLimit(limit, "limit", LIMIT_HINT);
    const query: Record<string, string | number> = { limit };
    if (options.pageId) query.page_id = options.pageId;
    if (options.selectedRepository) query.selected_repository = options.selectedRepository;
    if (options.conversationTrigger) query.conversation_trigger = options.conversationTrigger;
    try {
      // A 500 with a cursor is (nearly always) the cursor: no retries then.
      return await unwrap(this.#api.GET("/api/conversations", { params: { query }, ...this.transport.with({ retry: options.pageId ? false : undefined }) }));
    } catch (err) {
      if (!(err instanceof ServerError) || !options.pageId) throw err;
      throw new InvalidCursorError(`the server could not use pageId ${JSON.stringify(options.pageId.slice(0, 40))} (HTTP ${err.statusCode}): it is not a valid page cursor`, {
        ...sameAnswer(err),
      });
    }
  }

  /** Every conversation, newest first, one request per page when iteration reaches it. */
  iterConversations(options: { pageSize?: number; maxItems?: number; selectedRepository?: string; conversationTrigger?: string } = {}): AsyncGenerator<V0Conversation> {
    const { pageSize = 20, maxItems, ...filters } = options;
    checkLimit(pageSize, "pageSize", LIMIT_HINT);
    return iterItems(async (pageId) => {
      const page = await this.listConversations({ ...filters, limit: pageSize, ...(pageId ? { pageId } : {}) });
      return { items: page.results, next_page_id: page.next_page_id };
    }, maxItems);
  }

  /** `POST .../message`: a user message to a running conversation (its agent runs again). */
  async addMessage(conversationId: string, message: string): Promise<boolean> {
    try {
      const result = await unwrap(this.#api.POST("/api/conversations/{conversation_id}/message", {
        params: { path: { conversation_id: segment(conversationId, "conversation id") } }, body: { message }, ...this.transport.with({ retry: false }),
      }));
      return Boolean((result as { success?: unknown }).success);
    } catch (err) {
      // A stopped conversation: the server answers 500 "no_conversation".
      if (err instanceof ServerError && JSON.stringify(err.body ?? "").includes("no_conversation")) {
        throw new ConversationNotRunningError(`conversation ${JSON.stringify(conversationId)} is not running, so it cannot take a message`, {
          ...sameAnswer(err),
        });
      }
      throw err;
    }
  }

  /** `POST .../start`: start a stopped conversation's agent loop again (NotFoundError if unknown). */
  async startConversation(conversationId: string, providersSet: string[] | null = null): Promise<CreatedConversation> {
    return unwrap(this.#api.POST("/api/conversations/{conversation_id}/start", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
      body: { providers_set: providersSet } as Schemas["ProvidersSetModel"], ...this.transport.with({ retry: false }),
    }));
  }

  /** `PATCH /api/conversations/{id}`: rename (1..200 characters); NotFoundError for an unknown id. */
  async updateConversationTitle(conversationId: string, title: string): Promise<boolean> {
    if (typeof title !== "string" || title.length < 1 || title.length > 200) throw new InvalidArgumentError("title must be a string of 1 to 200 characters");
    return Boolean(await unwrap(this.#api.PATCH("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } }, body: { title },
    })));
  }

  /** Id of the newest event (null if there is none yet). */
  async lastEventId(conversationId: string): Promise<number | null> {
    const page = await this.getEvents(conversationId, { reverse: true, limit: 1 });
    const id = (page.events[0] as { id?: unknown } | undefined)?.id;
    return typeof id === "number" ? id : null;
  }

  /** `GET .../events`: ids from `startId` to `endId` (inclusive), oldest first unless `reverse`; `limit` 1..100. */
  async getEvents(conversationId: string, options: { startId?: number; endId?: number; reverse?: boolean; limit?: number } = {}): Promise<V0EventPage> {
    const limit = options.limit ?? 20;
    checkLimit(limit, "limit", LIMIT_HINT);
    const query: { start_id: number; reverse: boolean; limit: number; end_id?: number } = { start_id: options.startId ?? 0, reverse: options.reverse ?? false, limit };
    if (options.endId !== undefined) query.end_id = options.endId;
    return unwrap(this.#api.GET("/api/conversations/{conversation_id}/events", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") }, query },
    }));
  }

  /** Every event from `startId` on, oldest first, one request per `pageSize` events. */
  async *iterEvents(conversationId: string, options: { startId?: number; pageSize?: number } = {}): AsyncGenerator<V0Event> {
    const pageSize = options.pageSize ?? V0_DEFAULTS.eventsPageSize;
    let next = options.startId ?? 0;
    for (;;) {
      const page = await this.getEvents(conversationId, { startId: next, limit: pageSize });
      let last: number | null = null;
      for (const event of page.events) {
        yield event;
        const id = (event as { id?: unknown }).id;
        if (typeof id === "number") last = id;
      }
      if (!page.has_more || last === null) return;
      next = last + 1;
    }
  }

  /** `GET .../trajectory`: the whole event history in one body (NotFoundError if unknown). */
  async getTrajectory(conversationId: string): Promise<V0Trajectory> {
    return unwrap(this.#api.GET("/api/conversations/{conversation_id}/trajectory", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
    }));
  }

  /** `POST .../stop`: 200 even for an unknown or stopped id ("was not running"); safe to repeat. */
  async stopConversation(conversationId: string): Promise<CreatedConversation> {
    return unwrap(this.#api.POST("/api/conversations/{conversation_id}/stop", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } }, ...this.transport.with({ retry: true }),
    }));
  }

  /** `DELETE /api/conversations/{id}`: true if deleted, false if there was nothing to delete. */
  async deleteConversation(conversationId: string): Promise<boolean> {
    return Boolean(await unwrap(this.#api.DELETE("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: segment(conversationId, "conversation id") } },
    })));
  }

  /**
   * Wait until the conversation stops running by itself: `status` STOPPED/ERROR/ARCHIVED, or the last
   * `agent_state_changed` event terminal while status still says RUNNING. The first poll is
   * immediate, the second a second later, later ones further apart up to `pollIntervalMs`; each
   * reads the conversation plus only the events new since the previous poll. `afterEventId`: only
   * agent-state changes after this event count (pass the last id seen before sending a message).
   */
  async pollUntilTerminal(
    conversationId: string,
    options: { timeoutMs?: number; pollIntervalMs?: number; afterEventId?: number; onProgress?: (progress: PollProgress) => void } = {},
  ): Promise<PollResult> {
    const timeoutMs = options.timeoutMs ?? V0_DEFAULTS.pollTimeoutMs;
    const pollIntervalMs = options.pollIntervalMs ?? V0_DEFAULTS.pollIntervalMs;
    if (!(timeoutMs > 0) || !(pollIntervalMs > 0)) throw new InvalidArgumentError("timeoutMs and pollIntervalMs must be positive");
    const started = performance.now();
    const state = { agentState: null as string | null, nextId: (options.afterEventId ?? -1) + 1, lastId: options.afterEventId ?? null, polls: 0 };
    const fetch = async (): Promise<PollProgress> => {
      const conversation = await this.getConversation(conversationId);
      try {
        for await (const event of this.iterEvents(conversationId, { startId: state.nextId })) {
          const id = (event as { id?: unknown }).id;
          if (typeof id === "number") [state.lastId, state.nextId] = [id, id + 1];
          state.agentState = agentStateOf(event) ?? state.agentState;
        }
      } catch (err) {
        // The conversation exists but has no event stream yet (a hosted runtime still starting).
        if (!(err instanceof NotFoundError)) throw err;
      }
      state.polls++;
      return { conversation, status: conversation.status, agentState: state.agentState, lastEventId: state.lastId, polls: state.polls };
    };
    const final = await pollUntil(fetch, (p) => terminalSignal(p) !== null, {
      timeoutMs, initialMs: Math.min(V0_DEFAULTS.firstPollIntervalMs, pollIntervalMs), maxMs: pollIntervalMs,
      describe: (p) => `status=${p.status}, agent_state=${p.agentState ?? "unknown"}`, onProgress: options.onProgress,
      what: `conversation ${conversationId}`, sleep: this.transport.sleeper,
    });
    return {
      ...final.conversation, endedBy: terminalSignal(final) as EndedBy, agentState: final.agentState,
      lastEventId: final.lastEventId, polls: final.polls, elapsedMs: performance.now() - started,
    };
  }

}

/** The seed script's name for V0Client (`new OpenHandsAPI({ apiKey, baseUrl })`). */
export class OpenHandsAPI extends V0Client {}
