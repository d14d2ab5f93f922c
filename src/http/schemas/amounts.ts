import { z } from 'zod';
import { creditsToMicro, majorToMinor } from '../../shared/amounts';

/**
 * Credits and money as JSON numbers, converted exactly to bigint micro-credits / minor units.
 * Zero, negatives, NaN, more than 6 (credits) or 2 (money) decimals and absurd sizes are 400s.
 */
const MAX_CREDITS = 1_000_000_000_000; // 10^12 credits = 10^18 micro-credits, inside bigint

function exactAmount(toScaled: (value: number) => bigint, decimals: number, options: { allowZero?: boolean } = {}) {
  return z
    .number({ error: 'must be a number' })
    .refine((value) => Number.isFinite(value), 'must be a finite number')
    .refine((value) => (options.allowZero ? value >= 0 : value > 0), options.allowZero ? 'must be zero or more' : 'must be greater than zero')
    .refine((value) => value <= MAX_CREDITS, `must be at most ${MAX_CREDITS}`)
    .refine((value) => {
      try {
        toScaled(value);
        return true;
      } catch {
        return false;
      }
    }, `may have at most ${decimals} decimals`)
    .transform((value) => toScaled(value));
}

export const creditAmount = (options?: { allowZero?: boolean }) => exactAmount(creditsToMicro, 6, options);
export const moneyAmount = (options?: { allowZero?: boolean }) => exactAmount((v) => majorToMinor(v), 2, options);
export const tokenAmount = () =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number of tokens')
    .positive('must be greater than zero')
    .max(1e12, 'must be at most 10^12 tokens')
    .transform((value) => BigInt(value));

/** A count of tokens in a usage item: whole, zero or more. */
export const tokenCount = z.number().int('must be a whole number').min(0).max(1e13).default(0);

/** Credits per 1M tokens (seed 001) → micro-credits per 1M tokens. */
export const ratePer1M = exactAmount(creditsToMicro, 6, { allowZero: true });
