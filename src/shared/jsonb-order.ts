/**
 * PostgreSQL's jsonb stores object keys shorter-first, then bytewise. Values that travel through
 * jsonb come back in that order; putting them in that order before answering makes a replayed
 * response byte-identical to the original.
 */
export function inJsonbKeyOrder<T>(value: T): T {
  if (Array.isArray(value)) return value.map(inJsonbKeyOrder) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const keys = Object.keys(value).sort((a, b) => {
      const byLength = Buffer.byteLength(a) - Buffer.byteLength(b);
      return byLength !== 0 ? byLength : Buffer.compare(Buffer.from(a), Buffer.from(b));
    });
    return Object.fromEntries(keys.map((key) => [key, inJsonbKeyOrder((value as Record<string, unknown>)[key])])) as T;
  }
  return value;
}
