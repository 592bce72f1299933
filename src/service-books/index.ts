/** Service books: records, capabilities, the device store and the books a server sends. */
export * from './service-book.js';
export * from './capabilities.js';
export * from './store.js';
export * from './server-books.js';
