import { computeMargin } from '../../src/reports/compute/margin';
import { creditsToMicro, microToCredits } from '../../src/shared/amounts';
import { creditPriceMicroMinor } from '../../src/shared/credit-price';

/** revenue = credits × the credit unit price; margin = revenue − provider cost; margin % to 2 decimals. */
const view = (credits: number, costUsd: number, unitPrice: string) => {
  const margin = computeMargin({ credits: creditsToMicro(credits), providerCost: creditsToMicro(costUsd) }, creditPriceMicroMinor({ CREDIT_UNIT_PRICE: unitPrice }));
  return {
    revenue: microToCredits(margin.revenue),
    margin: microToCredits(margin.margin),
    percent: margin.marginPercentHundredths === null ? null : Number(margin.marginPercentHundredths) / 100,
  };
};

describe('computeMargin', () => {
  it.each([
    [72.75, 0.485, '0.01', { revenue: 0.7275, margin: 0.2425, percent: 33.33 }],
    [12.5, 0.075, '0.01', { revenue: 0.125, margin: 0.05, percent: 40 }],
    [97.85, 0.596, '0.01', { revenue: 0.9785, margin: 0.3825, percent: 39.09 }],
    [1, 1, '1', { revenue: 1, margin: 0, percent: 0 }],
    [1, 1.5, '1', { revenue: 1, margin: -0.5, percent: -50 }],
    [3, 0.00002, '0.01', { revenue: 0.03, margin: 0.02998, percent: 99.93 }],
    [0, 0.2, '0.01', { revenue: 0, margin: -0.2, percent: null }],
    [0.000001, 0, '0.01', { revenue: 0, margin: 0, percent: null }], // a micro-credit at $0.01 is 0.01 micro-dollar: rounds to 0
    [0.00005, 0, '0.01', { revenue: 0.000001, margin: 0.000001, percent: 100 }], // 0.5 micro-dollar rounds half-up
    [2, 0.01, '0.005', { revenue: 0.01, margin: 0, percent: 0 }],
    [3, 0.01, '0.01', { revenue: 0.03, margin: 0.02, percent: 66.67 }],
    [3, 0.05, '0.01', { revenue: 0.03, margin: -0.02, percent: -66.67 }],
  ])('%s credits, $%s cost at $%s/credit', (credits, cost, price, expected) => {
    expect(view(credits, cost, price)).toEqual(expected);
  });
});
