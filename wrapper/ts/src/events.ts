// Events as the servers send them. Results are the server's JSON itself, typed by the generated
// unions, so every field (known or not) is kept as sent. A kind this client does not know yet is
// still a valid event (the spec's catch-all member), and an enum value from a newer server is
// just a string at run time: a read never fails on either.
import type { components as Agent } from "../../../generated/ts/agent_server.js";
import type { components as V1 } from "../../../generated/ts/app_server_v1.js";

export type AgentEvent = Agent["schemas"]["Event"];
export type V1Event = V1["schemas"]["Event"];
type AnyEvent = AgentEvent | V1Event;

/** The kinds this client models (the generated union's members, without the catch-all). */
export const KNOWN_AGENT_EVENT_KINDS: ReadonlySet<string> = new Set([
  "ActionEvent", "ObservationEvent", "MessageEvent", "ConversationStateUpdateEvent", "SystemPromptEvent",
  "PauseEvent", "AgentErrorEvent", "ConversationErrorEvent",
]);
export const KNOWN_V1_EVENT_KINDS: ReadonlySet<string> = new Set([...KNOWN_AGENT_EVENT_KINDS, "StreamingDeltaEvent"]);

type OfKind<E, K extends string> = E extends { kind: K } ? (string extends E["kind" & keyof E] ? never : E) : never;

/** Narrow an event to one known kind: `if (isKind(event, "ActionEvent")) event.action`. */
export function isKind<E extends AnyEvent, K extends E["kind"] & string>(event: E, kind: K): event is OfKind<E, K> & E {
  return event.kind === kind;
}

/** True when this client does not model the event's kind (a newer server); its JSON is intact. */
export function isUnknownEvent(event: AgentEvent, known: ReadonlySet<string> = KNOWN_AGENT_EVENT_KINDS): boolean {
  return !known.has(event.kind);
}

/** Open enums: the values this client knows, and any other string a newer server may send. */
export type Open<T extends string> = T | (string & {});
