// The seed skill's "Quick start (TypeScript)" (shared/seeds/004_40f01636ff8c30e8.txt), verbatim
// except the import line. Compiled under strict by the test suite and run against a recorded V0 server.
import { OpenHandsAPI } from "openhands-api";

const api = new OpenHandsAPI({ apiKey: process.env.OPENHANDS_API_KEY! });

const conv = await api.createConversation({
  initialUserMsg: "Run dependency upgrades and open a PR.",
  repository: "owner/repo",
  selectedBranch: "main",
});

const final = await api.pollUntilTerminal(conv.conversation_id, {
  timeoutMs: 30 * 60_000,
  pollIntervalMs: 30_000,
});

console.log(final.status, final.url);
