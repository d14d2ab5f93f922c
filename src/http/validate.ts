import type { z } from 'zod';
import { ValidationError } from '../shared/errors';

/** Parses one part of a request; the first problem becomes a 400 naming the field. */
export function parseInput<T extends z.ZodType>(schema: T | undefined, value: unknown, where: 'body' | 'query' | 'path'): z.output<T> {
  if (!schema) return value as z.output<T>;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
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
