/**
 * The device's service-book store. Books are keyed by (cid, uid): several books of one CID with
 * different UIDs coexist (two email accounts give two [CMIME] books), and a book whose (cid, uid)
 * is already stored replaces the stored one.
 *
 * The functional API works on plain, immutable arrays kept sorted by cid then uid (code-unit
 * order, so the result never depends on the locale): it never mutates its input, which is what a
 * pure state machine needs. {@link ServiceBookStore} is a small mutable wrapper around it.
 */
import { type Capability, capabilitiesOf } from './capabilities.js';
import type { ServiceBook } from './service-book.js';

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Store order: by cid, then by uid. */
export function compareBooks(a: Pick<ServiceBook, 'cid' | 'uid'>, b: Pick<ServiceBook, 'cid' | 'uid'>): number {
  return compareText(a.cid, b.cid) || compareText(a.uid, b.uid);
}

function keyOf(cid: string, uid: string): string {
  return `${cid}\u0000${uid}`;
}

/**
 * Returns a new array holding `books` with `incoming` stored into it, sorted by cid then uid.
 * An incoming book replaces a stored one with the same (cid, uid); within `incoming`, the last
 * book for a given (cid, uid) wins. Neither argument is modified.
 */
export function addBooks(books: readonly ServiceBook[], incoming: readonly ServiceBook[]): ServiceBook[] {
  const byKey = new Map<string, ServiceBook>();
  for (const book of books) byKey.set(keyOf(book.cid, book.uid), book);
  for (const book of incoming) byKey.set(keyOf(book.cid, book.uid), book);
  return [...byKey.values()].sort(compareBooks);
}

/** Returns a new array without the book (cid, uid) (the same contents if there was none). */
export function removeBook(books: readonly ServiceBook[], cid: string, uid: string): ServiceBook[] {
  return books.filter((b) => !(b.cid === cid && b.uid === uid));
}

/** The book (cid, uid), if stored. */
export function findBook(books: readonly ServiceBook[], cid: string, uid: string): ServiceBook | undefined {
  return books.find((b) => b.cid === cid && b.uid === uid);
}

/** Every stored book of one CID (e.g. all [CMIME] books: one per email account), in uid order. */
export function booksByCid(books: readonly ServiceBook[], cid: string): ServiceBook[] {
  return books.filter((b) => b.cid === cid).sort(compareBooks);
}

/** A mutable wrapper over the functional API, for callers that are not state machines. */
export class ServiceBookStore {
  #books: ServiceBook[];

  constructor(initial: readonly ServiceBook[] = []) {
    this.#books = addBooks([], initial);
  }

  /** Stores the books, replacing any with the same (cid, uid). */
  add(...books: ServiceBook[]): this {
    this.#books = addBooks(this.#books, books);
    return this;
  }

  get(cid: string, uid: string): ServiceBook | undefined {
    return findBook(this.#books, cid, uid);
  }

  byCid(cid: string): ServiceBook[] {
    return booksByCid(this.#books, cid);
  }

  /** A copy of every book, sorted by cid then uid. */
  all(): ServiceBook[] {
    return [...this.#books];
  }

  /** Removes the book (cid, uid); true if there was one. */
  remove(cid: string, uid: string): boolean {
    const next = removeBook(this.#books, cid, uid);
    const removed = next.length !== this.#books.length;
    this.#books = next;
    return removed;
  }

  get size(): number {
    return this.#books.length;
  }

  capabilities(): Set<Capability> {
    return capabilitiesOf(this.#books);
  }
}
