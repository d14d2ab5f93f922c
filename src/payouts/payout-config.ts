import { envSchema, type Config } from '../config/config';
import { majorToMinor } from '../shared/amounts';
import { creditPriceMicroMinor } from '../shared/credit-price';

/**
 * Settings payouts read. The debit hot path (`accrualsFor`) only receives a database handle, so
 * the credit price it values accruals at comes from the same environment every process parses
 * its Config from (CREDIT_UNIT_PRICE, CREDIT_CURRENCY), parsed once.
 */
export interface CreditPricing {
  priceMicroMinor: bigint;
  currency: string;
}

let fromEnv: CreditPricing | null = null;

export function creditPricing(config?: Pick<Config, 'CREDIT_UNIT_PRICE' | 'CREDIT_CURRENCY'>): CreditPricing {
  if (config) return { priceMicroMinor: creditPriceMicroMinor(config), currency: config.CREDIT_CURRENCY };
  if (!fromEnv) {
    const given = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''));
    const parsed = envSchema.pick({ CREDIT_UNIT_PRICE: true, CREDIT_CURRENCY: true }).parse(given);
    fromEnv = creditPricing(parsed);
  }
  return fromEnv;
}

/** PAYOUT_MINIMUM in minor units for one currency: `25.00` applies to all, `usd=25,eur=20` per currency (25.00 when absent). */
export function payoutMinimumMinor(config: Pick<Config, 'PAYOUT_MINIMUM'>, currency: string): bigint {
  const setting = config.PAYOUT_MINIMUM;
  if (!setting.includes('=')) return majorToMinor(setting);
  for (const pair of setting.split(',')) {
    const [code, amount] = pair.split('=');
    if (code === currency) return majorToMinor(amount!);
  }
  return majorToMinor('25.00');
}
