import { monthContaining, parsePeriodKey, periodKey } from '../../periods/compute/calendar-month';
import { ValidationError } from '../../shared/errors';

/**
 * Which period a payout run settles and its cutoff. A run for period P pays what accrued before
 * `as_of`: by default the end of P, or now if P is still open. Without a period: the previous
 * month (the monthly Schedule runs after the month-end close). Pure: `now` is passed in.
 */
export interface PayoutWindow {
  period: string;
  asOf: Date;
}

const SKEW_MS = 5 * 60 * 1000;

export function resolvePayoutWindow(now: Date, input: { period?: string | null; asOf?: Date | null }): PayoutWindow {
  if (input.asOf && input.asOf.getTime() > now.getTime() + SKEW_MS) {
    throw new ValidationError('as_of must not be in the future', { field: 'as_of' });
  }
  if (input.period) {
    const month = parsePeriodKey(input.period);
    if (!month) throw new ValidationError(`period must be a month like 2026-10: ${input.period}`, { field: 'period' });
    if (month.start.getTime() > now.getTime()) throw new ValidationError('period must not be in the future', { field: 'period' });
    const asOf = input.asOf ?? (month.end.getTime() <= now.getTime() ? month.end : now);
    if (asOf.getTime() <= month.start.getTime() || asOf.getTime() > month.end.getTime()) {
      throw new ValidationError(`as_of must fall within the period ${input.period} (after its start, at most its end)`, { field: 'as_of' });
    }
    return { period: input.period, asOf };
  }
  if (input.asOf) return { period: periodKey(monthContaining(new Date(input.asOf.getTime() - 1))), asOf: input.asOf };
  const previous = monthContaining(new Date(monthContaining(now).start.getTime() - 1));
  return { period: periodKey(previous), asOf: previous.end };
}
