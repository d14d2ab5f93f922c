import type { Config } from '../config/config';
import { decimalToScaled } from './amounts';

/**
 * The credit unit price (CREDIT_UNIT_PRICE, $0.01 by default) in micro-minor units per credit:
 * $0.01 = 1 cent = 1,000,000 micro-cents. Values credits for purchases and publisher earnings
 * exactly: money (micro-minor) = micro-credits × this / 1,000,000.
 */
export function creditPriceMicroMinor(config: Pick<Config, 'CREDIT_UNIT_PRICE'>): bigint {
  return decimalToScaled(config.CREDIT_UNIT_PRICE, 8); // major → minor (2) → micro-minor (6)
}
