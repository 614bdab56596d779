// The agent server client against the Python suite's cassettes (openhands-agent-server 1.58.2, the pin).
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { inspect } from "node:util";
import {
  AgentServerClient, AuthenticationError, BadRequestError, InvalidArgumentError, NotFoundError, isKind, isUnknownEvent,
} from "../src/index.js";
import { AGENT_WORKSPACE, CANONICAL_URL, REPLAY_KEY, UNKNOWN_ID, collect, countBy, instantWaits, replay } from "./support.js";

const HELLO_RUN_KINDS = { ConversationStateUpdateEvent: 6, ActionEvent: 2, ObservationEvent: 2, SystemPromptEvent: 1, MessageEvent: 1 };

before(instantWaits);

function agentFor(test: string, module = "test_agent_server"): { agent: AgentServerClient; played: () => number } {
  const cassette = replay("agent", module, test);
  const agent = new AgentServerClient(CANONICAL_URL, { sessionKey: REPLAY_KEY, fetch: cassette.fetch });
  return { agent, played: () => cassette.played.size };
}

function startHello(agent: AgentServerClient, name: string) {
  return agent.startConversation({
    workingDir: `${AGENT_WORKSPACE}/${name}`, llmModel: "openai/fake", llmBaseUrl: `${CANONICAL_URL}/v1`,
    llmApiKey: "fake-llm-key", llmExtra: { num_retries: 0 }, terminalType: "subprocess", prompt: "say hello",
  });
}

test("server info and health", async () => {
  const { agent } = agentFor("test_server_info_and_health");
  const info = await agent.serverInfo();
  assert.equal(info.version, "1.58.2");
  assert.ok(info.uptime >= 0);
  assert.equal(await agent.isReady(), true);
});

test("a conversation runs to finished and its events read back", async () => {
  const { agent } = agentFor("test_conversation_runs_to_finished_and_its_events_read_back");
  const started = await startHello(agent, "lifecycle");
  const seen: string[] = [];
  const done = await agent.waitUntilFinished(started.id, { timeoutMs: 120_000, onProgress: (c) => seen.push(String(c.execution_status)) });
  assert.equal(done.execution_status, "finished");
  assert.equal(seen.at(-1), "finished");

  assert.equal(await agent.countEvents(started.id), 12);
  assert.equal(await agent.countEvents(started.id, { kind: "ActionEvent" }), 2);
  const all = await collect(agent.iterEvents(started.id));
  assert.deepEqual(countBy(all, (e) => e.kind), HELLO_RUN_KINDS);

  // Paging: 12 events by 5 -> 5, 5, 2, every event once, none of an unknown kind.
  const paged = await collect(agent.iterEvents(started.id, {}, 5));
  assert.equal(new Set(paged.map((e) => e.id)).size, 12);
  assert.ok(!paged.some((e) => isUnknownEvent(e)));
  const actions = paged.filter((e) => isKind(e, "ActionEvent"));
  assert.deepEqual(actions.map((a) => isKind(a, "ActionEvent") ? String(a.action?.kind) : "").sort(), ["FinishAction", "TerminalAction"]);

  const first = await agent.getEvent(started.id, String(paged[0]?.id));
  assert.equal(first.kind, "SystemPromptEvent");
  const onlyActions = await agent.searchEvents(started.id, { kind: "ActionEvent" });
  assert.deepEqual(onlyActions.items.map((e) => e.kind), ["ActionEvent", "ActionEvent"]);
  assert.equal(onlyActions.next_page_id ?? null, null);

  const batch = await agent.getConversations([started.id, UNKNOWN_ID]);
  assert.deepEqual(batch.map((c) => c?.id ?? null), [started.id, null]);
  const listed = await collect(agent.iterConversations());
  assert.ok(listed.some((c) => c.id === started.id));
});

test("bash reports exit codes and timeouts", async () => {
  const { agent } = agentFor("test_bash_reports_exit_codes_and_timeouts");
  const failed = await agent.bash("echo out; echo err >&2; exit 3");
  assert.deepEqual([failed.exitCode, failed.stdout, failed.stderr, failed.timedOut, failed.ok], [3, "out\n", "err\n", false, false]);
  const timed = await agent.bash("echo before; sleep 5; echo after", { timeoutS: 1 });
  assert.deepEqual([timed.timedOut, timed.exitCode, timed.stdout], [true, -1, "before\n"]);
  const ok = await agent.bash("pwd", { cwd: "/" });
  assert.ok(ok.ok);
  assert.equal(ok.stdout, "/\n");
});

test("file round trip, and a missing file leaves no partial file", async () => {
  const { agent } = agentFor("test_file_round_trip_and_missing_file");
  const payload = new Uint8Array(1024).map((_, i) => i % 256);
  const remote = `${AGENT_WORKSPACE}/files/blob.bin`;
  assert.equal((await agent.uploadFile(payload, remote)).file_size, payload.length);
  const dir = await mkdtemp(join(tmpdir(), "openhands-api-ts-"));
  const local = join(dir, "copy.bin");
  assert.equal(await agent.downloadFile(remote, local), payload.length);
  assert.deepEqual(new Uint8Array(await readFile(local)), payload);
  assert.deepEqual(await agent.readFile(remote), payload);
  await assert.rejects(agent.downloadFile(`${AGENT_WORKSPACE}/files/nope.bin`, join(dir, "missing.bin")), NotFoundError);
  assert.deepEqual(await readdir(dir), ["copy.bin"]);
});

test("bad input is reported precisely, and the key never shows", async () => {
  const { agent } = agentFor("test_bad_input_is_reported_precisely");
  await assert.rejects(agent.getConversation(UNKNOWN_ID), NotFoundError);
  await assert.rejects(agent.countEvents(UNKNOWN_ID), (err: unknown) => err instanceof NotFoundError && err.message.includes("Conversation not found"));
  await assert.rejects(agent.getConversation("not-a-uuid"), BadRequestError);
  const cassette = replay("agent", "test_agent_server", "test_bad_input_is_reported_precisely");
  cassette.played.add(0).add(1).add(2); // the wrong-key call is the fourth recorded one
  const wrong = new AgentServerClient(CANONICAL_URL, { sessionKey: "wrong-key-for-this-test", maxRetries: 0, fetch: cassette.fetch });
  await assert.rejects(wrong.countConversations(), (err: unknown) => {
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.statusCode, 401);
    assert.ok(!String(err).includes("wrong-key-for-this-test") && !inspect(err).includes("wrong-key-for-this-test"));
    return true;
  });
  assert.ok(!inspect(wrong).includes("wrong-key-for-this-test") && !JSON.stringify(wrong).includes("wrong-key-for-this-test"));
  // Refused before any request: no cassette entry exists for them.
  await assert.rejects(agent.uploadFile(new Uint8Array([120]), "relative/path.txt"), InvalidArgumentError);
  await assert.rejects(agent.bash("true", { cwd: "relative" }), InvalidArgumentError);
  for (const bad of ["", ".", ".."]) await assert.rejects(agent.getConversation(bad), InvalidArgumentError);
});

test("two identical runs give the same counts by kind", async () => {
  const { agent } = agentFor("test_event_counts_are_stable_across_runs");
  for (const name of ["stable-a", "stable-b"]) {
    const conv = await startHello(agent, name);
    await agent.waitUntilFinished(conv.id, { timeoutMs: 120_000 });
    assert.deepEqual(countBy(await collect(agent.iterEvents(conv.id)), (e) => e.kind), HELLO_RUN_KINDS);
    await agent.deleteConversation(conv.id);
  }
});

test("messages, pause and run", async () => {
  const { agent } = agentFor("test_send_message_pause_and_run");
  const conv = await startHello(agent, "messages");
  await agent.waitUntilFinished(conv.id);
  assert.equal(await agent.countEvents(conv.id), 12);
  await agent.sendMessage(conv.id, "one more thing");
  assert.equal(await agent.countEvents(conv.id), 15);
  assert.equal(await agent.countEvents(conv.id, { kind: "MessageEvent" }), 2);
});
