import { z } from 'zod';
import { creditsToMicro, majorToMinor } from '../../shared/amounts';
import {
  MAX_CHARGE_CREDITS,
  MAX_GRANT_CREDITS,
  MAX_MONEY_MAJOR,
  MAX_PRICE_CREDITS,
  MAX_PROVIDER_COST_PER_1M_USD,
  MAX_TOKENS,
} from '../../pricing/compute/bounds';

/**
 * Credits and money as JSON numbers, converted exactly to bigint micro-credits / minor units.
 * Zero, negatives, NaN, more than 6 (credits) or 2 (money) decimals and amounts past the
 * documented maxima (src/pricing/compute/bounds.ts) are 400s.
 */
function exactAmount(toScaled: (value: number) => bigint, decimals: number, max: number, options: { allowZero?: boolean } = {}) {
  const number = z.number({ error: 'must be a number' });
  return (options.allowZero ? number.min(0, 'must be zero or more') : number.positive('must be greater than zero'))
    .max(max, `must be at most ${max}`)
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

/** Credits moved by a grant, deposit, voucher or package: at most 10^9 per request. */
export const creditAmount = (options?: { allowZero?: boolean }) => exactAmount(creditsToMicro, 6, MAX_GRANT_CREDITS, options);
/** Credits one debit charges: at most 10^6. */
export const chargeAmount = () => exactAmount(creditsToMicro, 6, MAX_CHARGE_CREDITS);
/** A price in credits (per execution): at most 10^6. */
export const creditPrice = (options?: { allowZero?: boolean }) => exactAmount(creditsToMicro, 6, MAX_PRICE_CREDITS, options);
export const moneyAmount = (options?: { allowZero?: boolean; max?: number }) => exactAmount((v) => majorToMinor(v), 2, options?.max ?? MAX_MONEY_MAJOR, options);
/** Money as a plain number in major units (handlers convert it), bounded like every amount. */
export const moneyNumber = () => z.number().positive().max(MAX_MONEY_MAJOR);
export const tokenAmount = () =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number of tokens')
    .positive('must be greater than zero')
    .max(MAX_TOKENS, 'must be at most 10^12 tokens')
    .transform((value) => BigInt(value));

/** A count of tokens in a usage item: whole, zero or more. */
export const tokenCount = z.number().int('must be a whole number').min(0).max(MAX_TOKENS, 'must be at most 10^12 tokens').default(0);

/** Credits per 1M tokens → micro-credits per 1M tokens. */
export const ratePer1M = exactAmount(creditsToMicro, 6, MAX_PRICE_CREDITS, { allowZero: true });
/** The provider's USD per 1M tokens → micro-USD per 1M tokens. */
export const providerCostPer1M = exactAmount(creditsToMicro, 6, MAX_PROVIDER_COST_PER_1M_USD, { allowZero: true });
