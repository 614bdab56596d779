// The seed's TypeScript quick start (only the import changed), and the README examples, run as
// scripts against recorded real servers: globalThis.fetch is the cassette, waits are instant.
// With OPENHANDS_API_TS_RECORD=1 (scripts/record_ts.py, against a live V0 server) the quick start
// cassette is recorded instead of replayed.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "node:util";
import { ServerError } from "../src/index.js";
import { timing } from "../src/transport.js";
import { Cassette, ROOT, cassettePath } from "./replay.js";
import { CANONICAL_URL, REPLAY_KEY } from "./support.js";

const RECORDING = process.env.OPENHANDS_API_TS_RECORD === "1";
const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "examples");
export const QUICKSTART_CASSETTE = join(ROOT, "tests", "contract", "v0", "cassettes", "ts_seed_quickstart", "seed_quickstart.yaml");
let runs = 0;

/** Import a compiled example as a fresh module with `fetch` and the environment replaced; what it printed, or its error. */
async function runScript(file: string, fetchImpl: Cassette["fetch"], env: Record<string, string>): Promise<{ printed: string[]; error?: unknown }> {
  const printed: string[] = [];
  const saved = { fetch: globalThis.fetch, log: console.log, sleep: timing.sleep, env: { ...process.env } };
  globalThis.fetch = fetchImpl as typeof fetch;
  console.log = (...args: unknown[]) => void printed.push(format(...args));
  if (!RECORDING) timing.sleep = async () => undefined;
  Object.assign(process.env, env);
  try {
    await import(`${pathToFileURL(file).href}?run=${++runs}`);
    return { printed };
  } catch (error) {
    return { printed, error };
  } finally {
    globalThis.fetch = saved.fetch;
    console.log = saved.log;
    timing.sleep = saved.sleep;
    for (const key of Object.keys(env)) delete process.env[key];
    Object.assign(process.env, saved.env);
  }
}

test("the seed's quick start, only the import changed, runs against a recorded V0 server", async () => {
  const verbatim = join(EXAMPLES, "seed-quickstart.js");
  const source = readFileSync(verbatim, "utf8");
  // This local server has no git token: the verbatim start stops at the repository, as in Python's
  // live test; without the two repository lines the same script runs to the end.
  const withoutRepo = source.replace('    repository: "owner/repo",\n    selectedBranch: "main",\n', "");
  assert.notEqual(withoutRepo, source);
  const variant = join(EXAMPLES, "seed-quickstart-no-repo.js");
  writeFileSync(variant, withoutRepo);

  const cassette = new Cassette(QUICKSTART_CASSETTE, { record: RECORDING });
  const env: Record<string, string> = RECORDING ? {} : { OPENHANDS_API_KEY: REPLAY_KEY, OPENHANDS_BASE_URL: CANONICAL_URL };
  const first = await runScript(verbatim, cassette.fetch, env);
  assert.ok(first.error instanceof ServerError, String(first.error));
  assert.equal(first.error.statusCode, 500);
  assert.match(first.error.hint, /git token/);

  const second = await runScript(variant, cassette.fetch, env);
  assert.equal(second.error, undefined, String(second.error));
  assert.equal(second.printed.length, 1);
  assert.match(second.printed[0]!, /^RUNNING \/api\/conversations\/[0-9a-f]{32}$/); // status stays RUNNING; the agent state ended it
  if (RECORDING) cassette.save();
});

test("the README's V1 example runs against a recorded V1 server", async () => {
  const cassette = new Cassette(cassettePath("v1", "test_app_server_v1", "test_conversation_lifecycle_resolver_and_counts"));
  const { printed, error } = await runScript(join(EXAMPLES, "v1.js"), cassette.fetch, { OPENHANDS_API_KEY: REPLAY_KEY, OPENHANDS_BASE_URL: CANONICAL_URL });
  assert.equal(error, undefined, String(error));
  assert.ok(printed.includes("start task: READY"), printed.join("\n"));
  assert.ok(printed.includes("4564456646ac428b8137660a35b10138 finished"), printed.join("\n"));
  assert.ok(printed.includes("0 from-contract-test conversation conversation_url"), printed.join("\n"));
  assert.equal(printed.at(-1), "14 app {}");
});

test("the README's agent-server example runs against a recorded agent server", async () => {
  const cassette = new Cassette(cassettePath("agent", "test_readme", "test_readme_example_runs"));
  const { printed, error } = await runScript(join(EXAMPLES, "agent.js"), cassette.fetch, { AGENT_SERVER_URL: CANONICAL_URL, OH_SESSION_API_KEY: REPLAY_KEY });
  assert.equal(error, undefined, String(error));
  assert.deepEqual(printed, ["3 hello false", "not found: 404"]);
});

test("the README shows the examples exactly as they run", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const name of ["seed-quickstart.ts", "v1.ts", "agent.ts"]) {
    const body = readFileSync(join(ROOT, "wrapper", "ts", "examples", name), "utf8").split("\n").filter((l) => !l.startsWith("//")).join("\n").trim();
    assert.ok(readme.includes(body), `README.md does not show wrapper/ts/examples/${name} as it is`);
  }
});
