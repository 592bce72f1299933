/** Freezing the tables a module exports, so that no consumer can change them at runtime. */

/**
 * Freezes `value` and every object and array in it (functions are left as they are), and returns
 * it. Marked side-effect free: it only freezes the fresh literal it is given, so an unused table
 * can be dropped.
 */
/* @__NO_SIDE_EFFECTS__ */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
