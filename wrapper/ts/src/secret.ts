// A string that never shows itself: keys are wrapped as soon as they enter, so util.inspect,
// console.log, JSON.stringify, template strings and error messages print a mask instead.
import { inspect } from "node:util";

export const MASK = "**********";

// Values shorter than this are still masked when printed, but not hunted in free text: scrubbing a
// 5-letter key such as "wrong" would mangle ordinary words in messages (same rule as Python).
export const MIN_SCRUB_LENGTH = 8;

// Every secret value seen, so error messages can be scrubbed of values that slipped into text.
const live = new Set<string>();

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== "string" || !value.trim()) throw new TypeError("a secret must be a non-empty string");
    this.#value = value.trim();
    if (this.#value.length >= MIN_SCRUB_LENGTH) live.add(this.#value);
  }

  /** The only way to read the value back. */
  reveal(): string {
    return this.#value;
  }

  equals(other: Secret): boolean {
    return other instanceof Secret && other.#value === this.#value;
  }

  toString(): string {
    return `Secret(${MASK})`;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Replace every known secret value found in `text` by the mask. */
export function scrub(text: string): string {
  let clean = text;
  for (const value of live) {
    if (clean.includes(value)) clean = clean.split(value).join(MASK);
  }
  return clean;
}
