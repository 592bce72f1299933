/** A value now, or a promise of it: what an operation that may answer later returns (record stores, asynchronous crypto providers). */
export type MaybePromise<T> = T | Promise<T>;
