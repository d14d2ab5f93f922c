import type { Config } from '../config/config';
import { creditsToMicro } from '../shared/amounts';
import { creditPriceMicroMinor } from '../shared/credit-price';
import { creditValueMajor } from './compute/credit-value';

/**
 * Seed 004's balance is money: the credits valued at the credit unit price, in the credit
 * currency, exactly (never rounded: 0.5 credit at $0.01 is worth $0.005).
 */
export function balanceAsMoney(credits: number, config: Pick<Config, 'CREDIT_UNIT_PRICE' | 'CREDIT_CURRENCY'>) {
  return { balance_value: Number(creditValueMajor(creditsToMicro(credits), creditPriceMicroMinor(config))), value_currency: config.CREDIT_CURRENCY.toUpperCase() };
}
