// README example (agent server), run by the test suite against a recorded agent server
// (tests/contract/agent/cassettes/test_readme/test_readme_example_runs.yaml).
import { AgentServerClient, NotFoundError } from "openhands-api";

const agent = new AgentServerClient(process.env.AGENT_SERVER_URL ?? "http://127.0.0.1:8000"); // key: $OH_SESSION_API_KEY
const result = await agent.bash("echo hello; exit 3");
console.log(result.exitCode, result.stdout.trim(), result.timedOut);
for await (const conv of agent.iterConversations({}, 100, 5)) {
  console.log(conv.id, conv.execution_status, await agent.countEvents(conv.id)); // typed: ConversationInfo
}
try {
  await agent.getConversation("00000000-0000-4000-8000-000000000000");
} catch (err) {
  if (!(err instanceof NotFoundError)) throw err;
  console.log("not found:", err.statusCode);
}
