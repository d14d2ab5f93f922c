import { expectErrorBody } from '../helpers/api';
import { startApiInstance } from '../helpers/api-instance';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';
import { postWebhook } from '../helpers/stripe-events';
import { startStripeFaultProxy, type StripeFault, type StripeFaultProxy } from '../helpers/stripe-fault-proxy';
import { createTestAccount, expectLedgerInvariants, orderRow, purchaseEntries, waitFor, waitForOrder } from '../helpers/stripe-checkout';

/**
 * POST /v1/billing/credits/purchase {amount, payment_method}: an off-session charge of a saved
 * card through checkoutToCredit. stripe-mock's PaymentIntents never succeed (requires_payment_method),
 * so an API instance talks to it through the recording proxy, which answers as Stripe does for a
 * charge that went through, needed the customer (3-D Secure) or was declined. The stack's worker
 * settles the orders.
 */
const db = testDb();
let proxy: StripeFaultProxy;
let apiUrl: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  proxy = await startStripeFaultProxy(readStackInfo().stripeApiBase);
  const api = await startApiInstance({}, { stripeApiBase: proxy.url });
  apiUrl = api.url;
  stop = api.stop;
}, 60000);
afterAll(async () => {
  await stop?.();
  await proxy?.close();
  await db.destroy();
});

async function buy(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${apiUrl}/v1/billing/credits/purchase`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

const PAYMENT_INTENTS = { method: 'POST', path: '/v1/payment_intents' };
const succeeded = (): StripeFault => ({ kind: 'rewrite', rewrite: (body) => ({ ...body, status: 'succeeded', amount_received: body.amount, next_action: null }) });
const needsCustomer = (): StripeFault => ({
  kind: 'rewrite',
  rewrite: (body) => ({ ...body, status: 'requires_action', next_action: { type: 'use_stripe_sdk' }, client_secret: `${body.id as string}_secret_test` }),
});

/** Stripe's answer to an off-session charge the bank declined (HTTP 402, card_error). */
const declined = (): StripeFault => ({
  kind: 'error',
  status: 402,
  body: {
    error: {
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      payment_intent: { id: 'pi_3QdirectDeclined', object: 'payment_intent', status: 'requires_payment_method' },
      type: 'card_error',
    },
  },
});

describe('direct purchase with a saved payment method', () => {
  it('charges off-session once and answers 201 with credits_added, amount_charged and new_balance', async () => {
    const account = await createTestAccount('Direct Co');
    proxy.failNext(PAYMENT_INTENTS, succeeded(), 1);
    const headers = { 'idempotency-key': 'buy-now-1' };
    const response = await buy(account.apiKey, { amount: 1000, payment_method: 'pm_card_visa' }, headers);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'fulfilled', credits: 1000, credits_added: 1000, amount_charged: 10, currency: 'usd', new_balance: 1100, client_secret: null });
    const order = await orderRow(db, response.body.purchase_id);
    expect(order).toMatchObject({ status: 'fulfilled', payment_method: 'pm_card_visa', stripe_payment_intent: response.body.payment_intent, checkout_url: null, paid_event_id: `direct:${response.body.payment_intent}` });

    const charges = proxy.requests.filter((request) => request.path === '/v1/payment_intents');
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ idempotencyKey: `purchase:${order.id}:charge`, form: expect.objectContaining({ amount: '1000', currency: 'usd', payment_method: 'pm_card_visa', off_session: 'true', confirm: 'true', 'metadata[purchase_id]': order.id }) });

    // a retried request answers the same purchase without a second charge or credit
    const replay = await buy(account.apiKey, { amount: 1000, payment_method: 'pm_card_visa' }, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(response.body);
    expect(proxy.requests.filter((request) => request.path === '/v1/payment_intents')).toHaveLength(1);
    const entries = await purchaseEntries(db, account.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ idempotency_key: `purchase:${order.id}`, amount: String(1000n * 1_000_000n) });
    await waitFor('the purchase invoice', async () => (await orderRow(db, order.id)).invoice_id);
    await expectLedgerInvariants(db, account.id);
  });

  it('answers 202 with the pending purchase when the bank needs the customer, and credits it once on payment_intent.succeeded', async () => {
    const account = await createTestAccount('Direct 3DS Co');
    proxy.failNext(PAYMENT_INTENTS, needsCustomer(), 1);
    const response = await buy(account.apiKey, { amount: 500, payment_method: 'pm_card_threeDSecure2Required' });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'pending', credits: 500, credits_added: 0, amount_charged: null, new_balance: null });
    expect(response.body.client_secret).toBe(`${response.body.payment_intent}_secret_test`);
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);

    const event = {
      id: `evt_test_direct_${response.body.purchase_id}`,
      object: 'event',
      api_version: '2025-08-27.basil',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type: 'payment_intent.succeeded',
      data: { object: { id: response.body.payment_intent, object: 'payment_intent', amount: 500, amount_received: 500, currency: 'usd', status: 'succeeded', metadata: { purchase_id: response.body.purchase_id } } },
    };
    const delivered = await Promise.all([postWebhook(event), postWebhook(event), postWebhook(event)]);
    expect(delivered.map((r) => r.status)).toEqual([200, 200, 200]);
    const order = await waitForOrder(db, response.body.purchase_id, 'fulfilled');
    expect(order.paid_event_id).toBe(event.id);
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
    await expectLedgerInvariants(db, account.id);
  });

  it('answers 402 payment_failed for a declined card and credits nothing', async () => {
    const account = await createTestAccount('Declined Co');
    proxy.failNext(PAYMENT_INTENTS, declined(), 1);
    const response = await buy(account.apiKey, { amount: 100, payment_method: 'pm_card_chargeDeclined' });
    expectErrorBody(response as never, 402, 'payment_failed');
    const order = await orderRow(db, response.body.error.details.purchase_id);
    expect(order.status).toBe('failed');
    expect(order.failure_reason).toContain('declined');
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);
  });

  it('keeps the Checkout path without payment_method', async () => {
    const account = await createTestAccount('Checkout Still Co');
    const before = proxy.requests.length;
    const response = await buy(account.apiKey, { amount: 100 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'pending', credits: 100, amount_due: 1, package_id: null });
    expect(response.body.checkout_url).toEqual(expect.any(String));
    expect(proxy.requests.slice(before).some((request) => request.path === '/v1/payment_intents')).toBe(false);
  });
});
