// Credentials: where keys and base URLs come from, and how they are sent. Same arguments,
// environment variables, key files and order as the Python client (wrapper/openhands_api/_auth.py).
//
// App server (V1, V0), first match wins; an explicit empty argument raises instead of falling through:
//   key:      apiKey option; $OPENHANDS_API_KEY, $OPENHANDS_CLOUD_API_KEY, $OH_API_KEY;
//             a key file: $OPENHANDS_API_KEY_FILE, ~/.openhands/api_key.txt, ~/.config/openhands/api_key
//   base URL: baseUrl option; $OPENHANDS_BASE_URL, $OPENHANDS_APP_BASE; else https://app.all-hands.dev
//   scheme:   authScheme option; $OPENHANDS_AUTH_SCHEME; else by host: loopback and private hosts get
//             X-Session-API-Key (self-hosted servers accept nothing else), every other host Bearer (Cloud).
// Agent server: sessionKey option, else $OH_SESSION_API_KEY; header X-Session-API-Key.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";
import { inspect } from "node:util";
import { ConfigurationError } from "./errors.js";
import { MASK, Secret } from "./secret.js";

export type AuthScheme = "bearer" | "session-key";
export type Env = Readonly<Record<string, string | undefined>>;

export const APP_KEY_ENV_VARS = ["OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY"] as const;
export const APP_BASE_URL_ENV_VARS = ["OPENHANDS_BASE_URL", "OPENHANDS_APP_BASE"] as const;
export const AUTH_SCHEME_ENV_VAR = "OPENHANDS_AUTH_SCHEME";
export const KEY_FILE_ENV_VAR = "OPENHANDS_API_KEY_FILE";
export const SESSION_KEY_ENV_VAR = "OH_SESSION_API_KEY";
export const DEFAULT_BASE_URL = "https://app.all-hands.dev";

export function defaultKeyFiles(): string[] {
  const home = homedir();
  return [join(home, ".openhands", "api_key.txt"), join(home, ".config", "openhands", "api_key")];
}

/** One header carrying one key; never printed. */
export class KeyAuth {
  constructor(readonly scheme: AuthScheme, readonly key: Secret) {}

  apply(headers: Headers): void {
    if (this.scheme === "bearer") headers.set("Authorization", `Bearer ${this.key.reveal()}`);
    else headers.set("X-Session-API-Key", this.key.reveal());
  }

  toString(): string {
    return `KeyAuth(${this.scheme}, ${MASK})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function trimmed(env: Env, name: string): string {
  return (env[name] ?? "").trim();
}

/** The agent server's session key: the option, else $OH_SESSION_API_KEY. */
export function sessionKeyFrom(argument: string | Secret | undefined, env: Env = process.env): Secret {
  if (argument instanceof Secret) return argument;
  if (argument !== undefined) {
    if (!argument.trim()) throw new ConfigurationError("sessionKey is empty", { hint: `pass the agent server's key or set ${SESSION_KEY_ENV_VAR}` });
    return new Secret(argument);
  }
  const value = trimmed(env, SESSION_KEY_ENV_VAR);
  if (value) return new Secret(value);
  throw new ConfigurationError(`no session key: pass sessionKey or set ${SESSION_KEY_ENV_VAR}`, {
    hint: "the agent server's key is the OH_SESSION_API_KEYS_0 / SESSION_API_KEY it was started with; " +
      "for a V1 sandbox the resolver finds it for you",
  });
}

function isPrivateIPv4(host: string): boolean {
  const [a = -1, b = -1] = host.split(".").map(Number);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** True for loopback, private and link-local hosts (self-hosted servers). */
export function isLocalHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local")) return true;
  host = host.replace(/^\[|\]$/g, "");
  if (isIP(host) === 4) return isPrivateIPv4(host);
  if (isIP(host) === 6) return host === "::1" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  return false;
}

export function checkBaseUrl(url: string, source: string): string {
  if (!/^https?:\/\//.test(url)) throw new ConfigurationError(`base URL ${JSON.stringify(url)} (${source}) must start with http:// or https://`);
  return url.replace(/\/+$/, "");
}

/** What discovery found: where the server is, how to authenticate, and where each came from. */
export interface AppCredentials {
  baseUrl: string;
  auth: KeyAuth | undefined;
  scheme: AuthScheme;
  keySource: string;
  baseUrlSource: string;
}

export interface AppAuthOptions {
  apiKey?: string | Secret | undefined;
  baseUrl?: string | undefined;
  authScheme?: AuthScheme | undefined;
  /** Default: true for non-local hosts (a local server started without SESSION_API_KEY needs no key). */
  requireKey?: boolean | undefined;
  /** For tests: the environment and key files to look at instead of the process's. */
  env?: Env | undefined;
  keyFiles?: string[] | undefined;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

function findKey(options: AppAuthOptions, env: Env, looked: string[]): [Secret | undefined, string] {
  const { apiKey } = options;
  if (apiKey instanceof Secret) return [apiKey, "argument apiKey"];
  if (apiKey !== undefined) {
    if (!apiKey.trim()) throw new ConfigurationError("apiKey is empty", { hint: "pass a real key or leave it out to use discovery" });
    return [new Secret(apiKey), "argument apiKey"];
  }
  looked.push("argument apiKey");
  for (const name of APP_KEY_ENV_VARS) {
    looked.push(`environment ${name}`);
    const value = trimmed(env, name);
    if (value) return [new Secret(value), `environment ${name}`];
  }
  const files = [...(options.keyFiles ?? defaultKeyFiles())];
  const fromEnv = trimmed(env, KEY_FILE_ENV_VAR);
  if (fromEnv) files.unshift(fromEnv.replace(/^~(?=\/|$)/, homedir()));
  for (const path of files) {
    looked.push(`file ${path}`);
    const text = readKeyFile(path);
    if (text) return [new Secret(text), `file ${path}`];
  }
  return [undefined, "none"];
}

/** Find the app server's base URL, key and header scheme (order at the top of this file). */
export function discoverAppCredentials(options: AppAuthOptions = {}): AppCredentials {
  const env = options.env ?? process.env;
  let url = DEFAULT_BASE_URL;
  let baseUrlSource = "default";
  if (options.baseUrl !== undefined) {
    if (!options.baseUrl.trim()) throw new ConfigurationError("baseUrl is empty");
    [url, baseUrlSource] = [options.baseUrl.trim(), "argument baseUrl"];
  } else {
    const name = APP_BASE_URL_ENV_VARS.find((n) => trimmed(env, n));
    if (name) [url, baseUrlSource] = [trimmed(env, name), `environment ${name}`];
  }
  const baseUrl = checkBaseUrl(url, baseUrlSource);

  const looked: string[] = [];
  const [key, keySource] = findKey(options, env, looked);
  const local = isLocalHost(baseUrl);
  if (key === undefined && (options.requireKey ?? !local)) {
    throw new ConfigurationError(`no API key for ${baseUrl}; looked at: ${looked.join(", ")}`, {
      hint: "pass apiKey or set OPENHANDS_API_KEY",
    });
  }

  const schemeValue = options.authScheme ?? (trimmed(env, AUTH_SCHEME_ENV_VAR) || undefined);
  let scheme: AuthScheme;
  if (schemeValue === undefined) scheme = local ? "session-key" : "bearer";
  else if (schemeValue === "bearer" || schemeValue === "session-key") scheme = schemeValue;
  else throw new ConfigurationError(`unknown auth scheme ${JSON.stringify(schemeValue)}`, { hint: "use 'bearer' or 'session-key'" });
  return { baseUrl, auth: key && new KeyAuth(scheme, key), scheme, keySource, baseUrlSource };
}
