// The V0 client against the Python suite's cassettes (openhands-ai 1.6.0).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { inspect } from "node:util";
import {
  ConversationNotRunningError, InvalidCursorError, NotFoundError, OpenHandsAPI, ServerError, agentStateOf, type PollProgress,
} from "../src/index.js";
import { CANONICAL_URL, REPLAY_KEY, collect, instantWaits, replay } from "./support.js";

const HELLO = "Please run echo hello";
const UNKNOWN_V0_ID = "00000000000000000000000000000000";

before(instantWaits);

function apiFor(test: string): OpenHandsAPI {
  return new OpenHandsAPI({ apiKey: REPLAY_KEY, baseUrl: CANONICAL_URL, fetch: replay("v0", "test_v0_contract", test).fetch });
}

test("create, poll until the agent state says finished, read events and the trajectory", async () => {
  const api = apiFor("test_create_poll_read_rename_message_stop_start_delete");
  const created = await api.createConversation({
    initialUserMsg: HELLO, conversationInstructions: "be brief", selectedBranch: "main", gitProvider: "github",
    imageUrls: ["data:image/png;base64,iVBORw0KGgo="],
  });
  const cid = created.conversation_id;
  assert.equal(created.status, "ok");
  assert.equal(created.conversation_status, "STARTING");
  assert.equal(cid.length, 32);

  // The seed's way of reading it works; status stays RUNNING, the agent state says done.
  const final = await api.pollUntilTerminal(cid, { timeoutMs: 180_000, pollIntervalMs: 2_000 });
  assert.equal(final.conversation_id, cid);
  assert.equal(final.status, "RUNNING");
  assert.equal(final.endedBy, "agent_state");
  assert.equal(final.agentState, "finished");
  assert.equal(final.url, `/api/conversations/${cid}`);
  assert.equal(final.lastEventId, 10);

  const conv = await api.getConversation(cid);
  assert.equal(conv.selected_branch, "main");
  assert.equal(conv.runtime_status, "STATUS$RUNTIME_STARTED");

  // A run is 11 events, ids 0..10, read in pages of 4.
  const events = await collect(api.iterEvents(cid, { pageSize: 4 }));
  assert.deepEqual(events.map((e) => (e as { id?: unknown }).id), [...Array(11).keys()]);
  assert.equal(events.map(agentStateOf).filter(Boolean).at(-1), "finished");

  // Windows: end_id is inclusive, start_id is the low bound also in reverse.
  assert.deepEqual((await api.getEvents(cid, { startId: 2, endId: 5 })).events.map((e) => (e as { id?: unknown }).id), [2, 3, 4, 5]);
  const newest = await api.getEvents(cid, { reverse: true, limit: 3 });
  assert.deepEqual(newest.events.map((e) => (e as { id?: unknown }).id), [10, 9, 8]);
  assert.equal(newest.has_more, true);
  assert.deepEqual((await api.getEvents(cid, { startId: 11 })).events, []);

  assert.equal(await api.lastEventId(cid), 10);

  const trajectory = await api.getTrajectory(cid);
  assert.deepEqual(trajectory.trajectory.map((e) => (e as { id?: unknown }).id), [...Array(11).keys()]);

  assert.equal(await api.updateConversationTitle(cid, "renamed"), true);
  assert.equal((await api.getConversation(cid)).title, "renamed");

  // A second message to the running conversation: wait only for state changes after it.
  const before = await api.lastEventId(cid);
  assert.equal(await api.addMessage(cid, "and again"), true);
  const again = await api.pollUntilTerminal(cid, { timeoutMs: 180_000, pollIntervalMs: 2_000, afterEventId: before ?? undefined });
  assert.equal(again.agentState, "finished");
  assert.ok((again.lastEventId ?? 0) > 10);

  const stopped = await api.stopConversation(cid);
  assert.equal(stopped.message, "Conversation stopped successfully");
  assert.equal(stopped.conversation_status, "RUNNING"); // the status *before* stopping
  assert.equal((await api.stopConversation(cid)).message, "Conversation was not running");
  assert.equal((await api.getConversation(cid)).status, "STOPPED");
  await assert.rejects(api.addMessage(cid, "are you there?"), (err: unknown) =>
    err instanceof ConversationNotRunningError && err.message.includes("not running") && err.hint.includes("start"));

  // A stopped conversation counts as ended by status.
  const ended = await api.pollUntilTerminal(cid, { timeoutMs: 60_000, pollIntervalMs: 1_000 });
  assert.deepEqual([ended.endedBy, ended.status], ["status", "STOPPED"]);
  assert.equal((await api.startConversation(cid)).conversation_status, "STARTING");
  assert.equal(await api.deleteConversation(cid), true);
  assert.equal(await api.deleteConversation(cid), false);
  await assert.rejects(api.getConversation(cid), NotFoundError);
});

test("list pages, newest first, and an invalid cursor", async () => {
  const api = apiFor("test_list_pages_and_invalid_cursor");
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await api.createConversation()).conversation_id);
  const first = await api.listConversations({ limit: 2 });
  assert.equal(first.results.length, 2);
  assert.ok(first.next_page_id);
  const second = await api.listConversations({ limit: 2, pageId: first.next_page_id });
  assert.ok(second.results.every((c) => !first.results.some((f) => f.conversation_id === c.conversation_id)));
  assert.deepEqual((await collect(api.iterConversations({ pageSize: 2, maxItems: 3 }))).map((c) => c.conversation_id), [...ids].reverse());
  await assert.rejects(api.listConversations({ pageId: "garbage" }), (err: unknown) =>
    err instanceof InvalidCursorError && err.statusCode === 500 && err.message.includes("cursor"));
  assert.ok((await api.listConversations({ limit: 1 })).results.length);
  assert.deepEqual((await api.listConversations({ limit: 5, selectedRepository: "nobody/nothing" })).results, []);
  assert.equal((await api.listConversations({ limit: 1, conversationTrigger: "gui" })).results[0]?.trigger, "gui");
  for (const cid of ids) await api.deleteConversation(cid);
});

test("an agent error run ends with agent_state error while status stays RUNNING", async () => {
  const api = apiFor("test_agent_error_run_ends_with_agent_state_error");
  const seen: PollProgress[] = [];
  const created = await api.createConversation({ initialUserMsg: HELLO });
  const final = await api.pollUntilTerminal(created.conversation_id, { timeoutMs: 180_000, pollIntervalMs: 2_000, onProgress: (p) => seen.push(p) });
  assert.deepEqual([final.endedBy, final.agentState, final.status], ["agent_state", "error", "RUNNING"]);
  assert.equal(seen.at(-1)?.agentState, "error");
  assert.equal(seen.at(-1)?.polls, final.polls);
  assert.equal(await api.deleteConversation(created.conversation_id), true);
});

test("an unknown conversation is NotFoundError everywhere (the server's 200 null included)", async () => {
  const api = apiFor("test_unknown_conversation");
  await assert.rejects(api.getConversation(UNKNOWN_V0_ID), (err: unknown) => err instanceof NotFoundError && err.statusCode === 200 && err.body === null);
  await assert.rejects(api.getEvents(UNKNOWN_V0_ID), NotFoundError);
  await assert.rejects(api.getTrajectory(UNKNOWN_V0_ID), NotFoundError);
});

test("a repository without a git token is a ServerError with a hint", async () => {
  const api = apiFor("test_repository_without_git_token");
  await assert.rejects(api.createConversation({ initialUserMsg: "hi", repository: "octocat/Hello-World", selectedBranch: "main" }),
    (err: unknown) => err instanceof ServerError && err.statusCode === 500 && err.hint.includes("git token"));
  const created = await api.createConversation({});
  assert.equal(await api.deleteConversation(created.conversation_id), true);
  assert.ok(!inspect(api).includes(REPLAY_KEY) && !JSON.stringify(api).includes(REPLAY_KEY));
});
