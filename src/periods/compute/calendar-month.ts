/** Billing periods are calendar months in UTC: [start, end). */
export interface Period {
  start: Date;
  end: Date;
}

export function monthContaining(instant: Date): Period {
  const start = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), 1));
  const end = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth() + 1, 1));
  return { start, end };
}

export function nextMonth(period: Period): Period {
  return monthContaining(period.end);
}

/** `2026-10` for the period starting 2026-10-01. */
export function periodKey(period: Period | Date): string {
  const start = period instanceof Date ? period : period.start;
  return `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month before the one containing `instant`: what a close started on the 1st closes. */
export function previousPeriodKey(instant: Date): string {
  return periodKey(new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth() - 1, 1)));
}

/** `2026-10` → October 2026; null when it is not a real month. */
export function parsePeriodKey(key: string): Period | null {
  const match = /^(\d{4})-(\d{2})$/.exec(key);
  if (!match) return null;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return null;
  return monthContaining(new Date(Date.UTC(Number(match[1]), month - 1, 1)));
}
