import { envSchema, type Config } from '../config/config';
import { majorToMinor } from '../shared/amounts';
import { creditPriceMicroMinor } from '../shared/credit-price';

/**
 * Settings payouts read. The credit price accruals are valued at comes from the process's parsed
 * Config (CREDIT_UNIT_PRICE, CREDIT_CURRENCY); callers pass it down to the debit (a usage
 * input's `creditPricing`), so the hot path never reads the environment.
 */
export interface CreditPricing {
  priceMicroMinor: bigint;
  currency: string;
}

type PricingSettings = Pick<Config, 'CREDIT_UNIT_PRICE' | 'CREDIT_CURRENCY'>;

// one Config per process: its price is parsed once however many requests ask
const parsedFor = new WeakMap<PricingSettings, CreditPricing>();
let fromEnv: CreditPricing | null = null;

/**
 * The credit price of a parsed Config. Without one it reads the environment: only for
 * migrations (20261204000120 values packages at the price of the environment migrating), which
 * run before and without a Config; application code always passes its Config.
 */
export function creditPricing(config?: PricingSettings): CreditPricing {
  if (!config) return (fromEnv ??= creditPricing(envSchema.pick({ CREDIT_UNIT_PRICE: true, CREDIT_CURRENCY: true }).parse(nonEmptyEnv())));
  let pricing = parsedFor.get(config);
  if (!pricing) {
    pricing = { priceMicroMinor: creditPriceMicroMinor(config), currency: config.CREDIT_CURRENCY };
    parsedFor.set(config, pricing);
  }
  return pricing;
}

const nonEmptyEnv = () => Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''));

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
