import type { z } from 'zod';

/**
 * Outside production every JSON answer of a declared route is checked against the schema its
 * OpenAPI entry is built from, exactly as a client generated from /openapi.json would read it:
 * a field the schema does not declare, a missing one or a wrong type fails loudly (a 500 naming
 * the route and the field) instead of drifting silently. `SETTLE_CHECK_RESPONSES=1|0` overrides;
 * by default the check runs under jest (NODE_ENV=test).
 */
let enabled: boolean | undefined;
export function responseCheckEnabled(): boolean {
  if (enabled === undefined) {
    const flag = process.env.SETTLE_CHECK_RESPONSES;
    enabled = flag === undefined ? process.env.NODE_ENV === 'test' : flag === '1' || flag === 'true';
  }
  return enabled;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  items?: z.ZodType[];
  getter?: () => z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Keys outside the shape are undeclared unless a catchall (other than `never`) admits them. */
function undeclaredInObject(def: Def, value: unknown, path: string[]): string[] | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const shape = def.shape ?? {};
  const open = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
  for (const [key, child] of Object.entries(value)) {
    const field = shape[key];
    if (!field) {
      if (!open) return [...path, key];
      continue;
    }
    const found = undeclaredField(field, child, [...path, key]);
    if (found) return found;
  }
  return null;
}

function undeclaredInArray(def: Def, value: unknown, path: string[]): string[] | null {
  if (!Array.isArray(value)) return null;
  for (let index = 0; index < value.length; index++) {
    const found = undeclaredField(def.element!, value[index], [...path, String(index)]);
    if (found) return found;
  }
  return null;
}

/** Only the positions the tuple declares are looked into. */
function undeclaredInTuple(def: Def, value: unknown, path: string[]): string[] | null {
  if (!Array.isArray(value)) return null;
  for (let index = 0; index < Math.min(value.length, def.items?.length ?? 0); index++) {
    const found = undeclaredField(def.items![index]!, value[index], [...path, String(index)]);
    if (found) return found;
  }
  return null;
}

function undeclaredInRecord(def: Def, value: unknown, path: string[]): string[] | null {
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const found = undeclaredField(def.valueType!, child, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** The option the value matches decides; when none matches fully, the first that parses. */
function undeclaredInUnion(def: Def, value: unknown, path: string[]): string[] | null {
  let first: string[] | null = null;
  for (const option of def.options ?? []) {
    if (!option.safeParse(value).success) continue;
    const found = undeclaredField(option, value, path);
    if (!found) return null;
    first ??= found;
  }
  return first;
}

/**
 * The path of the first object key the schema does not declare (zod strips those silently,
 * while the OpenAPI document says `additionalProperties: false`); null when there is none.
 */
export function undeclaredField(schema: z.ZodType, value: unknown, path: string[] = []): string[] | null {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return undeclaredInObject(def, value, path);
    case 'array':
      return undeclaredInArray(def, value, path);
    case 'tuple':
      return undeclaredInTuple(def, value, path);
    case 'record':
      return undeclaredInRecord(def, value, path);
    case 'union':
      return undeclaredInUnion(def, value, path);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return value === undefined || value === null ? null : undeclaredField(def.innerType!, value, path);
    case 'pipe':
      return undeclaredField(def.in!, value, path);
    case 'lazy':
      return undeclaredField(def.getter!(), value, path);
    default:
      return null;
  }
}

/** Why `body`, sent as JSON, does not match `schema`; null when it does. */
export function responseMismatch(schema: z.ZodType, body: unknown): string | null {
  const sent: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  const parsed = schema.safeParse(sent);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `field '${issue.path.join('.') || '(body)'}': ${issue.message}`;
  }
  const extra = undeclaredField(schema, sent);
  return extra ? `field '${extra.join('.')}' is not declared in the response schema` : null;
}
