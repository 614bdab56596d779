// Key and base-URL discovery: the same arguments, environment variables, key files and order as Python.
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigurationError, discoverAppCredentials, isLocalHost, sessionKeyFrom } from "../src/index.js";

test("the argument wins, then OPENHANDS_API_KEY, OPENHANDS_CLOUD_API_KEY, OH_API_KEY, then key files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "openhands-api-ts-keys-"));
  const file = join(dir, "api_key.txt");
  await writeFile(file, "  from-file-key-123\n");
  const env = { OPENHANDS_CLOUD_API_KEY: "cloud-key-12345", OH_API_KEY: "oh-key-12345" };
  assert.equal(discoverAppCredentials({ apiKey: "arg-key-12345", env, keyFiles: [] }).keySource, "argument apiKey");
  assert.equal(discoverAppCredentials({ env: { ...env, OPENHANDS_API_KEY: "main-key-12345" }, keyFiles: [] }).keySource, "environment OPENHANDS_API_KEY");
  assert.equal(discoverAppCredentials({ env, keyFiles: [] }).keySource, "environment OPENHANDS_CLOUD_API_KEY");
  const fromFile = discoverAppCredentials({ env: { OPENHANDS_API_KEY_FILE: file }, keyFiles: [join(dir, "missing")] });
  assert.equal(fromFile.keySource, `file ${file}`);
  assert.equal(fromFile.auth?.key.reveal(), "from-file-key-123");
  assert.throws(() => discoverAppCredentials({ apiKey: "  ", env: {} }), ConfigurationError);
});

test("no key for a remote host lists every place looked at; a local host needs none", () => {
  assert.throws(() => discoverAppCredentials({ env: {}, keyFiles: ["/nonexistent/k"] }), (err: unknown) =>
    err instanceof ConfigurationError && err.message.includes("OH_API_KEY") && err.message.includes("/nonexistent/k"));
  const local = discoverAppCredentials({ baseUrl: "http://127.0.0.1:3000", env: {}, keyFiles: [] });
  assert.equal(local.auth, undefined);
});

test("base URL and scheme: argument, OPENHANDS_BASE_URL, OPENHANDS_APP_BASE, default Cloud; session-key for local hosts", () => {
  const key = { apiKey: "k-123456789" };
  assert.equal(discoverAppCredentials({ ...key, env: {} }).baseUrl, "https://app.all-hands.dev");
  assert.equal(discoverAppCredentials({ ...key, env: {} }).scheme, "bearer");
  const local = discoverAppCredentials({ ...key, env: { OPENHANDS_APP_BASE: "http://localhost:3000/" } });
  assert.deepEqual([local.baseUrl, local.scheme, local.baseUrlSource], ["http://localhost:3000", "session-key", "environment OPENHANDS_APP_BASE"]);
  assert.equal(discoverAppCredentials({ ...key, env: { OPENHANDS_AUTH_SCHEME: "bearer", OPENHANDS_BASE_URL: "http://10.0.0.5" } }).scheme, "bearer");
  assert.throws(() => discoverAppCredentials({ ...key, baseUrl: "ftp://x", env: {} }), ConfigurationError);
  assert.ok(isLocalHost("http://192.168.1.2") && isLocalHost("http://[::1]:80") && !isLocalHost("https://app.all-hands.dev"));
});

test("the agent server's key: the option, else OH_SESSION_API_KEY", () => {
  assert.equal(sessionKeyFrom(undefined, { OH_SESSION_API_KEY: "env-session-key" }).reveal(), "env-session-key");
  assert.throws(() => sessionKeyFrom(undefined, {}), ConfigurationError);
});
