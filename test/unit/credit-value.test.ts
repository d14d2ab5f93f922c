import { creditsForAmount, creditValueExact, creditValueMajor, packageTerms } from '../../src/catalog/compute/credit-value';
import { checkPublisherPrice } from '../../src/catalog/compute/tool-price-bounds';
import { pricePurchase } from '../../src/checkout/compute/price-purchase';
import { splitAccrual, SHARE_SCALE } from '../../src/payouts/compute/accrual-split';
import { creditPriceMicroMinor } from '../../src/shared/credit-price';

const M = 1_000_000n;
const price = (unitPrice: string) => creditPriceMicroMinor({ CREDIT_UNIT_PRICE: unitPrice });

describe('one credit unit price values everything (table-driven)', () => {
  it.each([
    // unit price, package amount (minor), credits granted (micro)
    ['0.01', 2_500n, 2_500n * M], // seed 004 starter: $25 of credits
    ['0.01', 10_000n, 10_000n * M], // pro: $100 of credits
    ['0.01', 50_000n, 50_000n * M], // teams: $500 of credits
    ['1', 2_500n, 25n * M], // seed 002: 1 credit = $1
    ['0.25', 1n, 40_000n], // 1 cent = 0.04 credit
    ['0.000001', 1n, 10_000n * M],
  ])('at $%s a credit, an amount of %p minor grants %p micro-credits', (unitPrice, amountMinor, credits) => {
    expect(creditsForAmount(amountMinor, price(unitPrice))).toEqual({ kind: 'ok', credits });
    // and back: the credits are worth exactly the amount
    expect(creditValueExact(credits, price(unitPrice))).toBe(amountMinor * M * M);
  });

  it.each([
    ['0.003', 100n], // $1 / $0.003 = 333.333333… credits
    ['0.07', 1n],
  ])('at $%s a credit, %p minor does not divide into whole micro-credits: refused, not rounded', (unitPrice, amountMinor) => {
    expect(creditsForAmount(amountMinor, price(unitPrice))).toEqual({ kind: 'not_exact' });
  });

  it('refuses to value packages at a free credit', () => {
    expect(creditsForAmount(2_500n, 0n)).toEqual({ kind: 'free_credits' });
  });

  it.each([
    ['starter', 2_500n * M, 2_500n, '25', '0'],
    ['pro', 10_000n * M, 9_000n, '100', '10'],
    ['teams', 50_000n * M, 40_000n, '500', '20'],
    ['odd', 3n * M, 2n, '0.03', '33.33'],
    ['premium', 100n * M, 200n, '1', '0'], // priced above value: no negative discount
  ])('package %s: %p micro-credits for %p minor → amount %s, %s%% off', (_id, credits, priceMinor, amount, discount) => {
    expect(packageTerms(credits, priceMinor, price('0.01'))).toEqual({ amount, credits, priceMinor, discountPercent: discount });
  });

  it.each([
    [112_345_678n, '0.01', '1.12345678'],
    [500_000n, '0.01', '0.005'],
    [0n, '0.01', '0'],
    [142_500_000n, '1', '142.5'],
  ])('a balance of %p micro-credits at $%s is worth %s (exact, never rounded)', (credits, unitPrice, value) => {
    expect(creditValueMajor(credits, price(unitPrice))).toBe(value);
  });

  it.each(['0.01', '1', '0.25', '0.005'])('at $%s, a package, a purchase by amount and publisher earnings value the same credits alike', (unitPrice) => {
    const unit = price(unitPrice);
    const credits = 2_000n * M;
    const bought = pricePurchase(credits, unit);
    expect(bought.kind).toBe('ok');
    const paidMinor = (bought as { amountMinor: bigint }).amountMinor;
    // a package worth what the purchase by amount costs grants the same credits
    expect(creditsForAmount(paidMinor, unit)).toEqual({ kind: 'ok', credits });
    // spending them earns a 100%-share publisher exactly their money value
    const split = splitAccrual(credits, unit, SHARE_SCALE);
    expect(split.publisher).toBe(paidMinor * 10n ** 17n);
    expect(split.value).toBe(creditValueExact(credits, unit) * SHARE_SCALE);
  });
});

describe('publisher tool prices within bounds (seed 000: 1–10 credits unless an admin set others)', () => {
  it.each([
    [1n * M, null, null, 'ok'],
    [10n * M, null, null, 'ok'],
    [999_999n, null, null, 'below_min'],
    [10n * M + 1n, null, null, 'above_max'],
    [0n, 0n, 5n * M, 'ok'],
    [6n * M, 0n, 5n * M, 'above_max'],
    [50n * M, 20n * M, 100n * M, 'ok'],
    [15n * M, 20n * M, null, 'below_min'],
  ])('price %p with bounds [%p, %p] → %s', (priceMicro, min, max, kind) => {
    expect(checkPublisherPrice(priceMicro, { min, max }).kind).toBe(kind);
  });
});
