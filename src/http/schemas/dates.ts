import { z } from 'zod';

/**
 * Report date bounds: a date (`2026-11-01`, a whole UTC day) or a date-time with offset.
 * `end_date` as a date includes that whole day.
 */
const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const dateRangeQuery = {
  start_date: dateOrDateTime.optional().transform((value) => (value ? new Date(value.length === 10 ? `${value}T00:00:00Z` : value) : null)),
  end_date: dateOrDateTime
    .optional()
    .transform((value) => (value ? new Date(value.length === 10 ? Date.parse(`${value}T00:00:00Z`) + 86_400_000 : Date.parse(value)) : null)),
};
