// From any V1 id to the agent server that runs it, and counting a conversation's events from
// the first source that answers. Mirrors wrapper/openhands_api/v1_resolver.py and v1_counting.py.
//
// Resolver: identify the id (conversation, start task, then sandbox), check the sandbox (a PAUSED
// one is resumed and waited for by default: its agent server would hang, not fail), then take the
// URL from the start task's agent_server_url, else the conversation's conversation_url, else the
// sandbox's AGENT_SERVER exposed URL; the key from the conversation, else the sandbox.
//
// Counting: app server, else agent server, else the trajectory zip; the result names the source
// that answered and why each earlier one failed. The counts differ on purpose: the app server also
// stores two full_state updates (docs/v1-app-server.md). An app-server 0 for an existing
// conversation is not believed while another source can answer (webhooks may still be buffered).
import { inspect } from "node:util";
import { AgentServerClient } from "./agent.js";
import { EventCountError, InvalidArgumentError, OpenHandsAPIError, ResolverError } from "./errors.js";
import { MASK, Secret } from "./secret.js";
import { timing } from "./transport.js";
import { OpenHandsV1, isUuid, type AppConversation, type SandboxInfo, type StartTask } from "./v1.js";

export const AGENT_SERVER_URL_NAME = "AGENT_SERVER";
export const FULL_STATE_EVENTS = 2;
export type CountSource = "app" | "agent" | "zip";
export const COUNT_SOURCES: readonly CountSource[] = ["app", "agent", "zip"];

export interface ResolvedAgentServer {
  url: string;
  sessionKey: Secret;
  conversationId: string | null;
  sandboxId: string;
  startTaskId: string | null;
  urlSource: string;
  keySource: string;
  resumed: boolean;
  steps: string[];
  /** An AgentServerClient for this URL and key, sending like the V1 client (timeouts, retries, fetch). */
  client(): AgentServerClient;
}

/** `http://host:port/api/conversations/<id>` -> `http://host:port` (null if not that shape). */
export function agentBaseFromConversationUrl(conversationUrl: string): string | null {
  const index = conversationUrl.indexOf("/api/conversations");
  return index > 0 ? conversationUrl.slice(0, index).replace(/\/+$/, "") : null;
}

export function agentUrlFromSandbox(sandbox: SandboxInfo): string | null {
  const exposed = (sandbox.exposed_urls ?? []).find((u) => u.name === AGENT_SERVER_URL_NAME && u.url);
  return exposed ? exposed.url.replace(/\/+$/, "") : null;
}

async function identify(api: OpenHandsV1, anyId: string, steps: string[]): Promise<[StartTask | null, AppConversation | null, SandboxInfo | null]> {
  // Conversation and start-task ids are UUIDs; sandbox ids are not on self-hosted servers.
  if (isUuid(anyId)) {
    const [conv] = await api.getConversations([anyId]);
    if (conv) {
      steps.push(`${anyId} is a conversation`);
      return [null, conv, null];
    }
    const [task] = await api.getStartTasks([anyId]);
    if (task) {
      steps.push(`${anyId} is a start task (${task.status})`);
      return [task, null, null];
    }
  }
  const [sandbox] = await api.getSandboxes([anyId]);
  if (sandbox) {
    steps.push(`${anyId} is a sandbox (${sandbox.status})`);
    return [null, null, sandbox];
  }
  throw new ResolverError(`no conversation, start task or sandbox has id ${anyId}`, {
    step: "identify", hint: "check the id with searchConversations() or searchSandboxes()",
  });
}

/** Any id (conversation, start task or sandbox) -> the agent server's URL and key. */
export async function resolveAgentServer(
  api: OpenHandsV1, anyId: string, options: { resume?: boolean; timeoutMs?: number; onProgress?: (step: string) => void } = {},
): Promise<ResolvedAgentServer> {
  const steps: string[] = [];
  const note = (message: string): void => {
    steps.push(message);
    options.onProgress?.(message);
  };
  let [task, conv, sandbox] = await identify(api, anyId.trim(), steps);

  if (task) {
    if (task.status === "ERROR") {
      throw new ResolverError(`start task ${task.id} ended in ERROR: ${task.detail ?? "(no detail)"}`, {
        step: "start task", hint: "start a new conversation; the failed one has no agent server",
      });
    }
    if (task.app_conversation_id) conv = (await api.getConversations([task.app_conversation_id]))[0] ?? null;
    if (!conv && !task.sandbox_id) {
      throw new ResolverError(`start task ${task.id} is still ${task.status}: it has no sandbox yet`, {
        step: "start task", hint: "wait for it first (waitUntilReady / startConversationAndWait)",
      });
    }
  }
  const sandboxId = sandbox?.id ?? conv?.sandbox_id ?? task?.sandbox_id ?? null;
  if (!sandbox && sandboxId) {
    sandbox = (await api.getSandboxes([sandboxId]))[0] ?? null;
    if (!sandbox) {
      throw new ResolverError(`sandbox ${sandboxId} does not exist any more`, {
        step: "sandbox", hint: "it was deleted (or the server restarted and forgot it): start a new conversation",
      });
    }
  }
  if (!sandbox) throw new ResolverError(`${anyId} names no sandbox`, { step: "sandbox" });

  // Check the status before touching the agent server: PAUSED would hang, not fail.
  let resumed = false;
  let status = String(sandbox.status);
  note(`sandbox ${sandbox.id} is ${status}`);
  if (status === "PAUSED") {
    if (options.resume === false) {
      throw new ResolverError(`sandbox ${sandbox.id} is PAUSED; its agent server would hang`, { step: "sandbox", hint: "resume it (resume: true)" });
    }
    note(`resuming sandbox ${sandbox.id}`);
    await api.resumeSandbox(sandbox.id);
    [resumed, status] = [true, "STARTING"];
  }
  if (status === "STARTING") {
    sandbox = await api.waitSandboxRunning(sandbox.id, { timeoutMs: options.timeoutMs ?? 120_000 });
    note(`sandbox ${sandbox.id} is RUNNING`);
    if (conv) conv = (await api.getConversations([conv.id]))[0] ?? null; // URL and key appear only while RUNNING
  } else if (status === "MISSING" || status === "ERROR") {
    throw new ResolverError(`sandbox ${sandbox.id} is ${status}`, { step: "sandbox", hint: "its agent server is gone: start a new conversation" });
  } else if (status !== "RUNNING") {
    throw new ResolverError(`sandbox ${sandbox.id} has status ${JSON.stringify(status)}, which this client does not know`, { step: "sandbox" });
  }

  let url: string | null = null;
  let urlSource = "";
  if (task?.agent_server_url) [url, urlSource] = [task.agent_server_url.replace(/\/+$/, ""), "start task agent_server_url"];
  else if (conv?.conversation_url) [url, urlSource] = [agentBaseFromConversationUrl(conv.conversation_url), "conversation conversation_url"];
  if (!url) [url, urlSource] = [agentUrlFromSandbox(sandbox), `sandbox exposed_urls[${AGENT_SERVER_URL_NAME}]`];
  if (!url) {
    throw new ResolverError(`neither the start task, the conversation nor sandbox ${sandbox.id} names an agent server URL`, {
      step: "url", hint: "the sandbox may still be starting; retry in a few seconds",
    });
  }
  let key: string | null = null;
  let keySource = "";
  if (conv?.session_api_key) [key, keySource] = [conv.session_api_key, "conversation session_api_key"];
  else if (sandbox.session_api_key) [key, keySource] = [sandbox.session_api_key, "sandbox session_api_key"];
  if (!key) {
    throw new ResolverError(`no session key for sandbox ${sandbox.id}`, { step: "key", hint: "the server hides it unless the sandbox is RUNNING and you own it" });
  }
  note(`agent server ${url} (url from ${urlSource}, key from ${keySource})`);
  const sessionKey = new Secret(key);
  const agentUrl = url;
  const clientOptions = api.agentClientOptions;
  const resolved: ResolvedAgentServer = {
    url: agentUrl, sessionKey, conversationId: conv?.id ?? null, sandboxId: sandbox.id, startTaskId: task?.id ?? null,
    urlSource, keySource, resumed, steps,
    client: () => new AgentServerClient(agentUrl, { ...clientOptions, sessionKey }),
  };
  Object.defineProperty(resolved, inspect.custom, { value: () => `ResolvedAgentServer(url=${agentUrl}, sessionKey=${MASK}, urlSource=${urlSource})` });
  return resolved;
}

/** Count the `event_*.json` entries of a trajectory zip from its central directory (payloads are not read). */
export function countZipEvents(zip: Uint8Array): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new OpenHandsAPIError("the download is not a zip file (no end of central directory)");
  const entries = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  let count = 0;
  for (let n = 0; n < entries; n++) {
    if (view.getUint32(offset, true) !== 0x02014b50) throw new OpenHandsAPIError("the download is not a zip file (bad central directory)");
    const nameLength = view.getUint16(offset + 28, true);
    const name = new TextDecoder().decode(zip.subarray(offset + 46, offset + 46 + nameLength));
    const base = name.split("/").pop() ?? "";
    if (!name.endsWith("/") && /^event_.*\.json$/.test(base)) count++;
    offset += 46 + nameLength + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
  return count;
}

export interface SourceAttempt {
  source: CountSource;
  count: number | null;
  error: string | null;
  elapsedMs: number;
}

export interface EventCount {
  conversationId: string;
  count: number;
  source: CountSource;
  attempts: SourceAttempt[];
  /** Why each source before the one that answered failed (empty when the first answered). */
  failures: Partial<Record<CountSource, string>>;
}

async function countFrom(api: OpenHandsV1, conv: AppConversation, source: CountSource, resumePaused: boolean): Promise<number> {
  if (source === "app") return api.countEventsApp(conv.id);
  if (source === "zip") return countZipEvents(await api.readTrajectory(conv.id));
  const status = String(conv.sandbox_status ?? "MISSING");
  // Checked before any agent-server call: a PAUSED sandbox's agent server hangs.
  if (status === "PAUSED" && !resumePaused) throw new ResolverError("sandbox is PAUSED and resumePaused is off (its agent server would hang)", { step: "sandbox" });
  if (status === "MISSING" || status === "ERROR") throw new ResolverError(`sandbox is ${status}: no agent server to ask`, { step: "sandbox" });
  const resolved = await resolveAgentServer(api, conv.id, { resume: resumePaused });
  return resolved.client().countEvents(conv.id);
}

/** Count events by the first source that answers (or only `source`). */
export async function countEvents(
  api: OpenHandsV1, conversationId: string, options: { source?: CountSource; resumePaused?: boolean } = {},
): Promise<EventCount> {
  if (options.source !== undefined && !COUNT_SOURCES.includes(options.source)) {
    throw new InvalidArgumentError(`unknown count source ${JSON.stringify(options.source)}; use one of ${COUNT_SOURCES.join(", ")}`);
  }
  const conv = await api.getConversation(conversationId); // NotFoundError / InvalidArgumentError: never a silent 0
  const attempts: SourceAttempt[] = [];
  const result = (count: number, source: CountSource): EventCount => ({
    conversationId: conv.id, count, source, attempts,
    failures: Object.fromEntries(attempts.filter((a) => a.error !== null && a.source !== source).map((a) => [a.source, a.error])),
  });
  let zeroFromApp = false;
  for (const source of options.source ? [options.source] : COUNT_SOURCES) {
    const started = timing.now();
    try {
      const count = await countFrom(api, conv, source, options.resumePaused ?? false);
      if (source === "app" && count === 0 && options.source === undefined) {
        attempts.push({ source, count: 0, error: "answered 0 (events not posted to the app server yet?)", elapsedMs: timing.now() - started });
        zeroFromApp = true;
        continue;
      }
      attempts.push({ source, count, error: null, elapsedMs: timing.now() - started });
      return result(count, source);
    } catch (err) {
      if (!(err instanceof OpenHandsAPIError)) throw err;
      attempts.push({ source, count: null, error: `${err.name}: ${err.summary}`, elapsedMs: timing.now() - started });
    }
  }
  if (zeroFromApp) return result(0, "app");
  throw new EventCountError(conversationId, attempts);
}

// The same operations as methods of the client (`oh.resolveAgentServer(id)`, `oh.countEvents(id)`),
// as in the Python client; they live here to keep v1.ts about the app server's own endpoints.
declare module "./v1.js" {
  interface OpenHandsV1 {
    resolveAgentServer(anyId: string, options?: { resume?: boolean; timeoutMs?: number; onProgress?: (step: string) => void }): Promise<ResolvedAgentServer>;
    countEvents(conversationId: string, options?: { source?: CountSource; resumePaused?: boolean }): Promise<EventCount>;
  }
}
OpenHandsV1.prototype.resolveAgentServer = function (this: OpenHandsV1, anyId, options) {
  return resolveAgentServer(this, anyId, options);
};
OpenHandsV1.prototype.countEvents = function (this: OpenHandsV1, conversationId, options) {
  return countEvents(this, conversationId, options);
};
