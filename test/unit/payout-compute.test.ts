import Stripe from 'stripe';
import { floorToMinor, shareDecimal, shareUnits, splitAccrual } from '../../src/payouts/compute/accrual-split';
import { decidePayout } from '../../src/payouts/compute/payout-amount';
import { resolvePayoutWindow } from '../../src/payouts/compute/payout-period';
import { payoutMinimumMinor } from '../../src/payouts/payout-config';
import { payoutWorkflowId, transferIdempotencyKey } from '../../src/payouts/payout-keys';
import { stripeRejection } from '../../src/payouts/stripe-errors';
import { ValidationError } from '../../src/shared/errors';

const E17 = 10n ** 17n;

describe('payout rules (table-driven)', () => {
  it.each([
    ['0.8', 80000n],
    ['0.80000', 80000n],
    [0.8, 80000n],
    ['1', 100000n],
    ['0', 0n],
    ['0.77777', 77777n],
    ['0.123450', 12345n],
  ])('shareUnits(%p) = %p', (input, units) => {
    expect(shareUnits(input)).toBe(units);
    expect(shareUnits(shareDecimal(units))).toBe(units);
  });

  it.each(['1.5', '-0.1', '0.123456', 'abc', '1e-7'])('shareUnits rejects %p', (input) => {
    expect(() => shareUnits(input)).toThrow(RangeError);
  });

  it('splits the seed-000 example: 24,900 credits at $0.01 → $249 publisher, $62.25 platform at 80%', () => {
    const split = splitAccrual(31_125_000_000n, 1_000_000n, 80_000n); // 31,125 credits spent
    expect(split.publisher).toBe(24_900n * E17);
    expect(split.platform).toBe(6_225n * E17);
  });

  it.each([
    [0n, 0n, 0n],
    [E17 * 5n + 3n, 5n, 3n],
    [-1n, -1n, E17 - 1n],
    [-E17, -1n, 0n],
  ])('floorToMinor(%p) = %p minor + %p', (exact, minor, remainder) => {
    expect(floorToMinor(exact)).toEqual({ minor, remainder });
  });

  it.each([
    ['below the minimum', 2499n * E17 + 99n, 2500n, { kind: 'carry_forward', amount: 2499n }],
    ['exactly the minimum', 2500n * E17, 2500n, { kind: 'transfer', amount: 2500n, remainderExact: 0n }],
    ['above, with a sub-cent remainder', 2592n * E17 + 558n, 2500n, { kind: 'transfer', amount: 2592n, remainderExact: 558n }],
    ['negative after reversals', -300n * E17, 2500n, { kind: 'carry_forward', amount: -300n }],
    ['zero minimum still sends nothing for nothing', E17 - 1n, 0n, { kind: 'carry_forward', amount: 0n }],
  ])('decidePayout: %s', (_name, pending, minimum, decision) => {
    expect(decidePayout(pending, minimum)).toEqual(decision);
  });

  it.each([
    ['25.00', 'usd', 2500n],
    ['10', 'eur', 1000n],
    ['usd=25,eur=20.50', 'eur', 2050n],
    ['usd=25,eur=20.50', 'gbp', 2500n],
  ])('PAYOUT_MINIMUM %p for %s = %p minor', (setting, currency, minor) => {
    expect(payoutMinimumMinor({ PAYOUT_MINIMUM: setting }, currency)).toBe(minor);
  });

  it('derives the business keys: attempt 1 is payout:<publisher>:<period>, later attempts get their own key', () => {
    expect(transferIdempotencyKey('pub_a', '2026-10', 1)).toBe('payout:pub_a:2026-10');
    expect(transferIdempotencyKey('pub_a', '2026-10', 3)).toBe('payout:pub_a:2026-10:attempt-3');
    expect(payoutWorkflowId('pub_a', '2026-10')).toBe('payout:pub_a:2026-10');
    expect(payoutWorkflowId('pub_a', '2026-10', 2)).toBe('payout:pub_a:2026-10:retry-2');
  });
});

describe('resolvePayoutWindow', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it.each([
    ['no input: the previous month', {}, { period: '2026-10', asOf: new Date('2026-11-01T00:00:00Z') }],
    ['a closed month: its end', { period: '2026-09' }, { period: '2026-09', asOf: new Date('2026-10-01T00:00:00Z') }],
    ['the open month: now', { period: '2026-11' }, { period: '2026-11', asOf: now }],
    ['as_of only: the month before it', { asOf: new Date('2026-10-15T00:00:00Z') }, { period: '2026-10', asOf: new Date('2026-10-15T00:00:00Z') }],
    ['as_of at a month end', { asOf: new Date('2026-11-01T00:00:00Z') }, { period: '2026-10', asOf: new Date('2026-11-01T00:00:00Z') }],
  ])('%s', (_name, input, window) => {
    expect(resolvePayoutWindow(now, input)).toEqual(window);
  });

  it.each([
    [{ period: '2026-13' }, 'period'],
    [{ period: '2027-01' }, 'period'],
    [{ asOf: new Date('2026-12-01T00:00:00Z') }, 'as_of'],
    [{ period: '2026-09', asOf: new Date('2026-10-02T00:00:00Z') }, 'as_of'],
    [{ period: '2026-09', asOf: new Date('2026-09-01T00:00:00Z') }, 'as_of'],
  ])('rejects %o naming %s', (input, field) => {
    try {
      resolvePayoutWindow(now, input);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.field).toBe(field);
    }
  });
});

describe('stripeRejection: which Stripe failures are final', () => {
  const generate = (raw: Record<string, unknown>) => Stripe.errors.StripeError.generate(raw as never);
  it.each([
    ['balance_insufficient', { type: 'invalid_request_error', code: 'balance_insufficient', statusCode: 400, message: 'insufficient funds' }, 'balance_insufficient'],
    ['no transfers capability', { type: 'invalid_request_error', code: 'insufficient_capabilities_for_transfer', statusCode: 400, message: 'needs transfers' }, 'insufficient_capabilities_for_transfer'],
    ['unknown destination', { type: 'invalid_request_error', code: 'resource_missing', statusCode: 400, message: 'No such destination' }, 'resource_missing'],
    ['bad key', { type: 'authentication_error', statusCode: 401, message: 'Invalid API Key' }, 'StripeAuthenticationError'],
  ])('%s → final (payout failed)', (_name, raw, code) => {
    expect(stripeRejection(generate(raw))).toMatchObject({ code, message: raw.message, statusCode: raw.statusCode });
  });

  it.each([
    ['5xx', { type: 'api_error', statusCode: 500, message: 'An unknown error occurred' }],
    ['429', { type: 'invalid_request_error', code: 'rate_limit', statusCode: 429, message: 'Too many requests' }],
    ['409 key in flight', { type: 'idempotency_error', statusCode: 409, message: 'in progress' }],
    ['no answer', { type: 'api_error', message: 'connection reset' }],
  ])('%s → retried with the same key', (_name, raw) => {
    expect(stripeRejection(generate(raw))).toBeNull();
  });

  it('retries connection errors and non-Stripe errors', () => {
    expect(stripeRejection(new Stripe.errors.StripeConnectionError({ message: 'ECONNRESET' } as never))).toBeNull();
    expect(stripeRejection(new Error('database down'))).toBeNull();
  });
});
