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

/**
 * The first month a period may name. JavaScript dates read the years 0–99 as 1900–1999, so
 * `0000-01` would silently become January 1900; from year 1000 on every key means itself (migrated
 * customers and the test suite's private months lie far in the past).
 */
export const FIRST_PERIOD = '1000-01';

/** A calendar month `YYYY-MM` from 1000-01 on (routes add "not in the future" where it matters). */
export const periodKey = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month like 2026-10 (YYYY-MM)')
  .refine((value) => value >= FIRST_PERIOD, `must be ${FIRST_PERIOD} or later`);
