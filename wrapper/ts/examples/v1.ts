// README example (V1 app server), run by the test suite against a recorded V1 server
// (tests/contract/v1/cassettes/test_app_server_v1/test_conversation_lifecycle_resolver_and_counts.yaml).
import { OpenHandsV1 } from "openhands-api";

const oh = new OpenHandsV1(); // base URL + key by discovery: OPENHANDS_BASE_URL, OPENHANDS_API_KEY, key files ...
const started = await oh.startConversationAndWait("say hello", { onProgress: (line) => console.log(line) });
console.log(started.conversationId, started.conversation.execution_status); // start task -> READY -> finished

const agentServer = await oh.resolveAgentServer(started.conversationId); // any id -> agent server URL + key
const agent = agentServer.client();
const result = await agent.bash("echo from-contract-test"); // a non-zero exit is a result, not an error
console.log(result.exitCode, result.stdout.trim(), agentServer.urlSource);

const count = await oh.countEvents(started.conversationId); // app server, else agent server, else the zip
console.log(count.count, count.source, count.failures);
