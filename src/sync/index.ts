/** Organizer synchronization after activation: records, planning, pages, the device store, test data. */
export * from './records.js';
export * from './databases.js';
export * from './pages.js';
export * from './sync-store.js';
export * from './generator.js';
