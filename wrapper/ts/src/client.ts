// What every client shares: one transport, and a printed form that never shows the key.
import { inspect } from "node:util";
import type { Transport } from "./transport.js";

export abstract class ApiClient {
  declare protected readonly transport: Transport;

  protected constructor(transport: Transport) {
    // Not enumerable, so nothing that walks own properties reaches it (printing uses the methods below).
    Object.defineProperty(this, "transport", { value: transport, enumerable: false });
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  toString(): string {
    return `${this.constructor.name}(${this.transport})`;
  }

  toJSON(): unknown {
    return { client: this.constructor.name, ...this.transport.toJSON() };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
