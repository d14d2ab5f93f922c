/**
 * When a failed delivery is tried again (issue 12): 5 s, 25 s, 2 min, 10 min, 1 h, then every
 * few hours, each with ±20 % jitter so a receiver coming back is not hit by every retry at the
 * same second; once the next try would fall more than 3 days after the delivery was created,
 * the delivery is `failed` instead. Pure: the random draw is passed in.
 */
export const RETRY_DELAYS_MS = [5_000, 25_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000] as const;
export const GIVE_UP_AFTER_MS = 3 * 24 * 3_600_000;
export const JITTER = 0.2;

export type RetryDecision = { kind: 'retry'; at: Date } | { kind: 'give_up' };

/**
 * `attempts`: attempts made so far, this failed one included (≥ 1). `random` ∈ [0, 1).
 */
export function nextRetry(input: { attempts: number; createdAt: Date; now: Date; random: number }): RetryDecision {
  const base = RETRY_DELAYS_MS[Math.min(Math.max(input.attempts, 1), RETRY_DELAYS_MS.length) - 1]!;
  const delay = Math.round(base * (1 - JITTER + 2 * JITTER * input.random));
  const at = new Date(input.now.getTime() + delay);
  if (at.getTime() - input.createdAt.getTime() > GIVE_UP_AFTER_MS) return { kind: 'give_up' };
  return { kind: 'retry', at };
}
