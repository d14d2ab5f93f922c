import type { Config } from '../config/config';
import { MAX_PURCHASE_MICRO, MIN_PURCHASE_MICRO, pricePurchase, wholePriceStepMicro } from '../checkout/compute/price-purchase';
import { microToCredits } from '../shared/amounts';
import { creditPriceMicroMinor } from '../shared/credit-price';
import { ValidationError } from '../shared/errors';

/**
 * The price of one recharge: a purchase of `credits` like any other (same minimum, same unit
 * price, whole minor units or refused), so a recharge costs what buying the credits by hand does.
 */
export function rechargePrice(config: Pick<Config, 'CREDIT_UNIT_PRICE' | 'CREDIT_CURRENCY'>, credits: bigint): { amountMinor: bigint; currency: string } {
  const unitPrice = creditPriceMicroMinor(config);
  const price = pricePurchase(credits, unitPrice);
  const field = 'recharge_credits';
  switch (price.kind) {
    case 'ok':
      return { amountMinor: price.amountMinor, currency: config.CREDIT_CURRENCY };
    case 'below_minimum':
      throw new ValidationError(`recharge_credits must be at least ${microToCredits(MIN_PURCHASE_MICRO)} credits, the minimum purchase`, { field, minimum: microToCredits(MIN_PURCHASE_MICRO) });
    case 'above_maximum':
      throw new ValidationError(`recharge_credits must be at most ${microToCredits(MAX_PURCHASE_MICRO)} credits, the maximum purchase`, { field, maximum: microToCredits(MAX_PURCHASE_MICRO) });
    case 'not_whole_minor_units': {
      const step = microToCredits(wholePriceStepMicro(unitPrice));
      throw new ValidationError(`recharge_credits must price to whole cents: use a multiple of ${step} credits`, { field, multiple_of: step });
    }
    case 'free':
      throw new ValidationError('Credits are not sold at a price of zero', { field });
  }
}
