/** For the tests that show an exported table cannot be changed at runtime. */

/** The paths (`$`, `$.a.b`, `$[2]`) of every object or array in `value` that is not frozen; functions are not looked into. */
export function unfrozenPaths(value: unknown, path = '$'): string[] {
  if (value === null || typeof value !== 'object') return [];
  const own = Object.isFrozen(value) ? [] : [path];
  const inner = Object.entries(value).flatMap(([key, item]) =>
    unfrozenPaths(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`),
  );
  return [...own, ...inner];
}
