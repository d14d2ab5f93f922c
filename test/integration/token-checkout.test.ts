import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { chargeRefundedEvent, checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, expectLedgerInvariants, orderRow, waitFor, waitForOrder, type TestAccount } from '../helpers/stripe-checkout';

/** Issue 15, token packs: listed next to the plans' allowances, bought through checkoutToCredit. */
const db = testDb();
afterAll(() => db.destroy());

const balance = async (accountId: string, unit: 'credits' | 'tokens') =>
  BigInt((await db('balances').where({ account_id: accountId, unit }).first('balance')).balance);

async function buyPack(account: TestAccount, packId: string) {
  const response = await api('POST', '/v1/tokens/checkout', { key: account.apiKey, body: { pack_id: packId } });
  expect(response.status).toBe(201);
  return response.body;
}

describe('GET /v1/tokens/plans', () => {
  it('lists the plans’ allowances as before, then the packs for sale in the credit packages’ shape', async () => {
    const response = await api('GET', '/v1/tokens/plans');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual(expect.arrayContaining([{ id: 'free', name: 'Free', tokens_per_month: 10_000 }]));
    const packs = response.body.data.filter((entry: { type?: string }) => entry.type === 'pack');
    expect(packs).toEqual([
      { type: 'pack', id: 'tokens-1m', tokens: 1_000_000, price: 10, currency: 'USD' },
      { type: 'pack', id: 'tokens-5m', tokens: 5_000_000, price: 45, currency: 'USD' },
      { type: 'pack', id: 'tokens-25m', tokens: 25_000_000, price: 200, currency: 'USD' },
    ]);
  });
});

describe('POST /v1/tokens/checkout', () => {
  it('creates a pending token order with a Checkout Session', async () => {
    const account = await createTestAccount();
    const body = await buyPack(account, 'tokens-5m');
    expect(body).toMatchObject({ unit: 'tokens', tokens: 5_000_000, amount_due: 45, currency: 'usd', status: 'pending', pack_id: 'tokens-5m' });
    expect(body.checkout_url).toBe(`http://localhost:8080/dev/checkout/${body.purchase_id}`);
    expect(await orderRow(db, body.purchase_id)).toMatchObject({ unit: 'tokens', credits: '5000000', amount_due_minor: '4500', package_id: 'tokens-5m', status: 'pending' });
  });

  it.each([
    [{ pack_id: 'tokens-1b' }, 'pack_id'],
    [{ pack_id: 'starter' }, 'pack_id'], // a credit package is not a token pack
    [{ pack_id: '' }, 'pack_id'],
    [{}, 'pack_id'],
    [{ pack_id: 'tokens-1m', amount: 5 }, 'body'],
  ])('rejects %o naming %s and writes nothing', async (body, field) => {
    const account = await createTestAccount();
    const response = await api('POST', '/v1/tokens/checkout', { key: account.apiKey, body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect(await db('payment_orders').where({ account_id: account.id })).toHaveLength(0);
  });

  it('replays the same Idempotency-Key and is for account keys only', async () => {
    const account = await createTestAccount();
    const headers = { 'idempotency-key': 'tokens-once' };
    const first = await api('POST', '/v1/tokens/checkout', { key: account.apiKey, body: { pack_id: 'tokens-1m' }, headers });
    const replay = await api('POST', '/v1/tokens/checkout', { key: account.apiKey, body: { pack_id: 'tokens-1m' }, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expectErrorBody(await api('POST', '/v1/tokens/checkout', { key: account.apiKey, body: { pack_id: 'tokens-5m' }, headers }), 409, 'idempotency_conflict');
    expectErrorBody(await api('POST', '/v1/tokens/checkout', { key: 'admin', body: { pack_id: 'tokens-1m' } }), 403, 'forbidden');
    expectErrorBody(await api('POST', '/v1/tokens/checkout', { body: { pack_id: 'tokens-1m' } }), 401, 'unauthorized');
  });
});

describe('token checkout → signed webhooks → tokens', () => {
  it('credits the pack’s tokens once under duplicated webhooks, invoices it, and a refund claws them back', async () => {
    const account = await createTestAccount();
    const [tokensBefore, creditsBefore] = [await balance(account.id, 'tokens'), await balance(account.id, 'credits')];
    const purchase = await buyPack(account, 'tokens-1m');
    const paymentIntent = newPaymentIntentId();
    const completed = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: 1000, paymentIntent });
    // the same event redelivered concurrently, and a second event for the same payment
    const succeeded = checkoutSessionEvent('checkout.session.async_payment_succeeded', { purchaseId: purchase.purchase_id, amountTotal: 1000, paymentIntent });
    const responses = await Promise.all([...Array.from({ length: 8 }, () => postWebhook(completed)), postWebhook(succeeded), postWebhook(succeeded)]);
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(2);

    const order = await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(order).toMatchObject({ unit: 'tokens', credits_added: '1000000' });
    const done = await waitFor('both runs done and the invoice issued', async () => {
      const view = await api('GET', `/v1/billing/credits/purchases/${purchase.purchase_id}`, { key: account.apiKey });
      return view.body.workflow.status === 'COMPLETED' && view.body.invoice_id ? view : null;
    });
    const entries = await db('ledger_entries').where({ account_id: account.id, type: 'purchase' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      unit: 'tokens',
      amount: '1000000',
      idempotency_key: `token-purchase:${purchase.purchase_id}`,
      reference: purchase.purchase_id,
      description: 'Token pack tokens-1m purchase',
    });
    expect(await balance(account.id, 'tokens')).toBe(tokensBefore + 1_000_000n);
    expect(await balance(account.id, 'credits')).toBe(creditsBefore);
    expect(done.body).toMatchObject({
      status: 'fulfilled',
      unit: 'tokens',
      credits: 0,
      credits_added: 0,
      tokens: 1_000_000,
      tokens_added: 1_000_000,
      amount_charged: 10,
      new_balance: Number(tokensBefore + 1_000_000n),
    });
    const invoice = await db('invoices').where({ id: done.body.invoice_id }).first();
    expect(invoice.source).toBe(`purchase:${purchase.purchase_id}`);
    expect(invoice.lines.map((line: { description: string }) => line.description)).toEqual(['Token pack tokens-1m: 1,000,000 tokens']);

    // spend a quarter of the pack, then Stripe refunds half the payment: half the tokens are due back
    const spent = await api('POST', '/v1/tokens/consume', { key: account.apiKey, body: { amount: Number(tokensBefore) + 250_000, description: 'agent run' } });
    expect(spent.status).toBe(201);
    const refunded = chargeRefundedEvent({ paymentIntent, amount: 1000, refunds: [{ amount: 500 }] });
    expect((await postWebhook(refunded)).status).toBe(200);
    const refund = await waitFor('refund applied', async () => db('refunds').where({ purchase_id: purchase.purchase_id, status: 'applied' }).first());
    expect(refund).toMatchObject({ origin: 'stripe', credits_entitled: '500000', credits_clawed_back: '500000', credits_unrecoverable: '0' });
    const clawback = await db('ledger_entries').where({ id: refund.ledger_entry_id }).first();
    expect(clawback).toMatchObject({ unit: 'tokens', amount: '-500000', idempotency_key: `refund:${refund.id}` });
    expect(clawback.description).toBe(`Refund ${refund.id} of purchase ${purchase.purchase_id}: 500000 tokens clawed back`);
    expect(await balance(account.id, 'tokens')).toBe(250_000n);
    expect(await balance(account.id, 'credits')).toBe(creditsBefore);
    // the outgoing events count in tokens too
    const events = await db('events').where({ account_id: account.id }).whereIn('type', ['purchase.fulfilled', 'purchase.refunded']).orderBy('type');
    expect(events.map((event: { type: string; payload: unknown }) => [event.type, event.payload])).toEqual([
      ['purchase.fulfilled', expect.objectContaining({ purchase_id: purchase.purchase_id, unit: 'tokens', tokens: 1_000_000, balance: Number(tokensBefore + 1_000_000n) })],
      ['purchase.refunded', expect.objectContaining({ purchase_id: purchase.purchase_id, unit: 'tokens', tokens_clawed_back: 500_000, fully_refunded: false })],
    ]);
    await expectLedgerInvariants(db, account.id);
  });
});
