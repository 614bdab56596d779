// Pages that end with `next_page_id`, walked lazily: one request per page, when iteration reaches it.
import { InvalidArgumentError } from "./errors.js";

export const MAX_PAGE_SIZE = 100; // the servers accept limit 1..100
export const DEFAULT_PAGE_SIZE = 100;

/** Refuse a limit the servers reject (or mishandle) before any request. */
export function checkLimit(limit: number | undefined, name = "limit", hint?: string): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`, { hint });
  }
}

/** The page size to ask for: no bigger than maxItems (as the Python Pager.over), at least 1. */
export function neededPageSize(pageSize: number, maxItems?: number): number {
  return maxItems === undefined ? pageSize : Math.max(1, Math.min(pageSize, maxItems));
}

export interface Page<T> {
  items: T[];
  next_page_id?: string | null | undefined;
}

/** Every item of every page, following next_page_id (an empty cursor ends it), at most maxItems. */
export async function* iterItems<T>(fetchPage: (pageId: string | undefined) => Promise<Page<T>>, maxItems?: number): AsyncGenerator<T> {
  let pageId: string | undefined;
  let yielded = 0;
  for (;;) {
    const page = await fetchPage(pageId);
    for (const item of page.items) {
      if (maxItems !== undefined && yielded >= maxItems) return;
      yield item;
      yielded++;
    }
    pageId = page.next_page_id || undefined;
    if (pageId === undefined || (maxItems !== undefined && yielded >= maxItems)) return;
  }
}

/** Drain an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
