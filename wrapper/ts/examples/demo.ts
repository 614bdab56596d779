// `make demo`'s TypeScript step: the TypeScript client against the live agent server the demo
// started (AGENT_SERVER_URL, OH_SESSION_API_KEY, DEMO_CONVERSATION_ID, DEMO_WORKSPACE from scripts/demo.py).
import { AgentServerClient, collect } from "openhands-api";

const agent = new AgentServerClient(process.env.AGENT_SERVER_URL ?? "http://127.0.0.1:8000");
const conversationId = process.env.DEMO_CONVERSATION_ID ?? "";
const conv = await agent.getConversation(conversationId);
const events = await collect(agent.iterEvents(conversationId, {}, 5)); // pages of 5
const total = await agent.countEvents(conversationId);
const result = await agent.bash("echo hello from typescript; exit 4");
const payload = new Uint8Array(64 * 1024).map((_, i) => i % 256);
const remote = `${process.env.DEMO_WORKSPACE ?? "/tmp"}/demo/ts-blob.bin`;
await agent.uploadFile(payload, remote);
const back = await agent.readFile(remote);
const same = back.length === payload.length && back.every((b, i) => b === payload[i]);
console.log(`    TypeScript: ${conv.execution_status}, ${events.length} events read (server count ${total}), ` +
  `bash exit ${result.exitCode} ${JSON.stringify(result.stdout.trim())}, ${back.length} bytes round-tripped: ${same}`);
if (events.length !== total || result.exitCode !== 4 || !same) process.exit(1);
