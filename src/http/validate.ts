import type { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { findUnstorableText, replaceUnstorableText } from './schemas/storable-text';

/** Parses one part of a request; the first problem becomes a 400 naming the field. */
export function parseInput<T extends z.ZodType>(schema: T | undefined, value: unknown, where: 'body' | 'query' | 'path'): z.output<T> {
  if (!schema) return value as z.output<T>;
  rejectUnstorableText(value, where);
  // No body at all is `undefined` (optional bodies take their defaults); a JSON `null` is a body, and not an object.
  const result = schema.safeParse(where === 'body' ? value : (value ?? {}));
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10).map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : where,
    message: issue.message,
  }));
  const first = issues[0]!;
  throw new ValidationError(
    first.field === where ? `Invalid ${where}: ${first.message}` : `Invalid ${where} field '${first.field}': ${first.message}`,
    { field: first.field, in: where, issues },
  );
}

/**
 * Checked on the raw input, before the schema, so every route is covered whatever its schema
 * says, and a NUL in a field the schema would transform or ignore still never reaches a query.
 */
function rejectUnstorableText(value: unknown, where: 'body' | 'query' | 'path'): void {
  const path = findUnstorableText(value);
  if (!path) return;
  const field = path.length ? replaceUnstorableText(path.join('.')) : where;
  const message = 'must not contain NUL characters or unpaired UTF-16 surrogates';
  throw new ValidationError(`Invalid ${where} field '${field}': ${message}`, { field, in: where, issues: [{ field, message }] });
}
