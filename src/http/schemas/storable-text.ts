/**
 * Text PostgreSQL refuses: a NUL character (text columns and jsonb cannot hold U+0000) and lone
 * UTF-16 surrogates (not encodable as UTF-8). JSON and URL decoding both let them through, so one
 * walk over every parsed request part finds them before any of it reaches a query.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_GLOBAL = new RegExp(UNSTORABLE.source, 'g');

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The path (`items.0.agent`) of the first string, or object key, PostgreSQL would refuse; null when none. */
export function findUnstorableText(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (!isStorableText(key)) return [...path, key];
      const found = findUnstorableText(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** A copy with every refused character replaced by U+FFFD, the Unicode replacement character. */
export function replaceUnstorableText<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE_GLOBAL, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(replaceUnstorableText) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [replaceUnstorableText(key), replaceUnstorableText(child)])) as T;
  }
  return value;
}
