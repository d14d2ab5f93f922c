import fc from 'fast-check';
import { pricePurchase, wholePriceStepMicro } from '../../src/checkout/compute/price-purchase';
import { computeRefundSplit } from '../../src/checkout/compute/refund-split';
import { verifyPayment } from '../../src/checkout/compute/verify-payment';
import { purchaseOfSession } from '../../src/checkout/webhook-events';

const M = 1_000_000n;
const CENT = 1_000_000n; // $0.01 per credit in micro-minor units

describe('pricePurchase', () => {
  it.each([
    [10n * M, CENT, { kind: 'ok', amountMinor: 10n }],
    [5000n * M, CENT, { kind: 'ok', amountMinor: 5000n }],
    [9_999_999n, CENT, { kind: 'below_minimum' }],
    [10_000_001n * M, CENT, { kind: 'above_maximum' }],
    [10_500_000n, CENT, { kind: 'not_whole_minor_units', exactMicroMinor: 10_500_000n }],
    [12n * M + 1n, CENT, { kind: 'not_whole_minor_units', exactMicroMinor: 12_000_001n }],
    [10n * M, 0n, { kind: 'free' }],
    [15n * M, 2_000_000n, { kind: 'ok', amountMinor: 30n }], // $0.02 per credit
    [15n * M, 100_000_000n, { kind: 'ok', amountMinor: 1500n }], // $1 per credit (seed 002)
    [10_500_000n, 100_000_000n, { kind: 'ok', amountMinor: 1050n }],
    [33n * M, 333_333n, { kind: 'not_whole_minor_units', exactMicroMinor: 10_999_989n }],
  ])('prices %s micro-credits at %s micro-minor/credit as %o', (credits, price, expected) => {
    expect(pricePurchase(credits, price)).toEqual(expected);
  });

  it.each([
    [CENT, 1n * M],
    [100_000_000n, 10_000n], // $1/credit: 0.01 credit steps
    [2_500_000n, 400_000n], // $0.025/credit: 0.4 credit steps
  ])('names the credit step that prices to whole cents at %s', (price, step) => {
    expect(wholePriceStepMicro(price)).toBe(step);
    expect(pricePurchase(100n * M + step, price).kind).toBe('ok');
  });
});

describe('verifyPayment', () => {
  const order = { amountDueMinor: 5000n, currency: 'usd' };
  it.each([
    [{ amountTotal: 5000n, currency: 'usd', paymentStatus: 'paid' }, true, null],
    [{ amountTotal: 5000n, currency: 'USD', paymentStatus: 'paid' }, true, null],
    [{ amountTotal: 4999n, currency: 'usd', paymentStatus: 'paid' }, false, /amount mismatch/],
    [{ amountTotal: 5001n, currency: 'usd', paymentStatus: 'paid' }, false, /amount mismatch/],
    [{ amountTotal: null, currency: 'usd', paymentStatus: 'paid' }, false, /amount mismatch/],
    [{ amountTotal: 5000n, currency: 'eur', paymentStatus: 'paid' }, false, /currency mismatch/],
    [{ amountTotal: 5000n, currency: null, paymentStatus: 'paid' }, false, /currency mismatch/],
    [{ amountTotal: 5000n, currency: 'usd', paymentStatus: 'unpaid' }, false, /payment_status is unpaid/],
    [{ amountTotal: 0n, currency: 'usd', paymentStatus: 'no_payment_required' }, false, /no_payment_required/],
    [{ amountTotal: 5000n, currency: 'usd', paymentStatus: null }, false, /missing/],
  ])('%o → ok=%s', (payment, ok, reason) => {
    const verdict = verifyPayment(order, payment);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason!);
  });
});

describe('computeRefundSplit', () => {
  const base = { creditsGranted: 1000n * M, amountCharged: 1000n, refundedBefore: 0n };
  it.each([
    [{ ...base, refundAmount: 1000n, grantRemaining: 1000n * M }, { entitled: 1000n * M, clawBack: 1000n * M, unrecoverable: 0n }],
    [{ ...base, refundAmount: 1000n, grantRemaining: 700n * M }, { entitled: 1000n * M, clawBack: 700n * M, unrecoverable: 300n * M }],
    [{ ...base, refundAmount: 300n, grantRemaining: 700n * M }, { entitled: 300n * M, clawBack: 300n * M, unrecoverable: 0n }],
    [{ ...base, refundedBefore: 300n, refundAmount: 700n, grantRemaining: 400n * M }, { entitled: 700n * M, clawBack: 400n * M, unrecoverable: 300n * M }],
    [{ ...base, refundAmount: 500n, grantRemaining: 0n }, { entitled: 500n * M, clawBack: 0n, unrecoverable: 500n * M }],
    [{ ...base, creditsGranted: 0n, refundAmount: 500n, grantRemaining: 0n }, { entitled: 0n, clawBack: 0n, unrecoverable: 0n }],
    [{ ...base, refundedBefore: 1000n, refundAmount: 10n, grantRemaining: 5n * M }, { entitled: 0n, clawBack: 0n, unrecoverable: 0n }],
    // 1 cent of 3 cents for 1 credit: 333,333.33… → half-up 333,333
    [{ creditsGranted: M, amountCharged: 3n, refundedBefore: 0n, refundAmount: 1n, grantRemaining: M }, { entitled: 333_333n, clawBack: 333_333n, unrecoverable: 0n }],
  ])('%o → %o', (input, expected) => {
    expect(computeRefundSplit(input)).toEqual(expected);
  });

  it('adds up to exactly the granted credits over any sequence of partial refunds of the whole amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000n * M }),
        fc.array(fc.bigInt({ min: 1n, max: 100_000n }), { minLength: 1, maxLength: 8 }),
        fc.bigInt({ min: 0n, max: 10_000_000n * M }),
        (granted, parts, spent) => {
          const charged = parts.reduce((a, b) => a + b, 0n);
          let remaining = spent > granted ? 0n : granted - spent;
          let refunded = 0n;
          let entitled = 0n;
          let clawed = 0n;
          for (const part of parts) {
            const split = computeRefundSplit({ creditsGranted: granted, amountCharged: charged, refundedBefore: refunded, refundAmount: part, grantRemaining: remaining });
            expect(split.entitled).toBeGreaterThanOrEqual(0n);
            expect(split.clawBack).toBeLessThanOrEqual(remaining);
            expect(split.clawBack + split.unrecoverable).toBe(split.entitled);
            remaining -= split.clawBack;
            refunded += part;
            entitled += split.entitled;
            clawed += split.clawBack;
          }
          expect(entitled).toBe(granted);
          expect(clawed).toBe(granted - (spent > granted ? granted : spent));
        },
      ),
    );
  });
});

describe('purchaseOfSession', () => {
  it.each([
    [{ client_reference_id: 'pur_abc', metadata: { purchase_id: 'pur_abc' } }, { kind: 'purchase', purchaseId: 'pur_abc' }],
    [{ client_reference_id: 'pur_abc', metadata: {} }, { kind: 'purchase', purchaseId: 'pur_abc' }],
    [{ client_reference_id: null, metadata: { purchase_id: 'pur_abc' } }, { kind: 'purchase', purchaseId: 'pur_abc' }],
    [{ client_reference_id: 'pur_abc', metadata: { purchase_id: 'pur_def' } }, { kind: 'conflicting', ids: ['pur_abc', 'pur_def'] }],
    [{ client_reference_id: 'order-77', metadata: null }, { kind: 'none' }],
    [{ client_reference_id: null, metadata: null }, { kind: 'none' }],
  ])('%o → %o', (session, expected) => {
    expect(purchaseOfSession(session)).toEqual(expected);
  });
});
