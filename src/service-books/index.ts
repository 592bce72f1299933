/** Service books (internal barrel, used by the tests; the public names are exported by src/index.ts and src/wire/index.ts). */
export * from './service-book.js';
export * from './capabilities.js';
export * from './store.js';
export * from './server-books.js';
