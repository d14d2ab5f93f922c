import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { chargeRefundedEvent, checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, waitFor, waitForOrder } from '../helpers/stripe-checkout';

/**
 * The admin refund answers of a token purchase count in whole tokens (tokens_clawed_back), not in
 * credits divided by 10^6; a credit purchase's answer is unchanged (test/workflows/refund.test.ts).
 */
const db = testDb();
afterAll(() => db.destroy());

describe('admin refund of a token purchase', () => {
  it('answers and lists the refund in tokens', async () => {
    const account = await createTestAccount();
    const bought = await api('POST', '/v1/tokens/checkout', { key: account.apiKey, body: { pack_id: 'tokens-1m' } });
    expect(bought.status).toBe(201);
    const purchaseId: string = bought.body.purchase_id;
    const paymentIntent = newPaymentIntentId();
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId, amountTotal: 1000, paymentIntent }));
    await waitForOrder(db, purchaseId, 'fulfilled');
    // a quarter of the pack spent: the rest is clawed back, the quarter is not recoverable
    const tokens = BigInt((await db('balances').where({ account_id: account.id, unit: 'tokens' }).first('balance')).balance);
    expect((await api('POST', '/v1/tokens/consume', { key: account.apiKey, body: { amount: Number(tokens) - 750_000 } })).status).toBe(201);

    const requested = await api('POST', `/v1/admin/purchases/${purchaseId}/refund`, { key: 'admin' });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ purchase_id: purchaseId, status: 'submitted', amount: 10, unit: 'tokens', tokens_clawed_back: 0, credits_clawed_back: 0 });

    const refundId: string = requested.body.refund_id;
    const event = chargeRefundedEvent({ paymentIntent, amount: 1000, refunds: [{ amount: 1000, metadata: { refund_id: refundId, purchase_id: purchaseId } }] });
    expect((await postWebhook(event)).status).toBe(200);
    await waitFor('refund applied', async () => (await db('refunds').where({ id: refundId, status: 'applied' }).first()) ?? null);

    const listed = await api('GET', `/v1/admin/purchases/${purchaseId}/refunds`, { key: 'admin' });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ refund_id: refundId, status: 'applied', unit: 'tokens', tokens_clawed_back: 750_000, tokens_unrecoverable: 250_000, credits_clawed_back: 0, credits_unrecoverable: 0 }),
    ]);
    // the purchase agrees
    const view = await api('GET', `/v1/billing/credits/purchases/${purchaseId}`, { key: account.apiKey });
    expect(view.body).toMatchObject({ status: 'refunded', tokens_clawed_back: 750_000 });
  });
});
