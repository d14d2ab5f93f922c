import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestAccount, orderRow } from '../helpers/stripe-checkout';

const db = testDb();
afterAll(() => db.destroy());

const countOrders = async () => Number((await db('payment_orders').count({ n: '*' }).first())!.n);

describe('POST /v1/billing/credits/purchase (seed 000)', () => {
  it('creates a pending payment order with a Stripe Checkout Session keyed by the purchase id', async () => {
    const account = await createTestAccount();
    const response = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: 5000 } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ credits: 5000, amount_due: 50, currency: 'usd', status: 'pending', package_id: null });
    expect(response.body.purchase_id).toMatch(/^pur_[a-z0-9]{20}$/);
    // under stripe-mock the customer pays on the local payment page, keyed by our purchase id
    expect(response.body.checkout_url).toBe(`http://localhost:8080/dev/checkout/${response.body.purchase_id}`);
    const expiresIn = Date.parse(response.body.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(23 * 3600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3600_000);

    const order = await orderRow(db, response.body.purchase_id);
    expect(order).toMatchObject({ account_id: account.id, source: 'checkout', status: 'pending', credits: '5000000000', amount_due_minor: '5000', currency: 'usd' });
    expect(order.stripe_session_id).toMatch(/^cs_/);
    const stored = await db('accounts').where({ id: account.id }).first();
    expect(stored.stripe_customer_id).toMatch(/^cus_/);
    expect(order.stripe_customer_id).toBe(stored.stripe_customer_id);

    // the customer is reused for the account's next purchase
    const second = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: 10 } });
    expect(second.status).toBe(201);
    expect(second.body.amount_due).toBe(0.1);
    expect((await orderRow(db, second.body.purchase_id)).stripe_customer_id).toBe(stored.stripe_customer_id);
  });

  it.each([
    [{ amount: 9 }, 'amount'],
    [{ amount: 9.99 }, 'amount'],
    [{ amount: 0 }, 'amount'],
    [{ amount: -50 }, 'amount'],
    [{ amount: 10.5 }, 'amount'], // 10.5 credits = 10.5 cents: not whole cents
    [{ amount: 12.0000001 }, 'amount'],
    [{ amount: 20_000_000 }, 'amount'],
    [{ amount: '5000' }, 'amount'],
    [{}, 'amount'],
    [{ amount: 100, coupon: 'FREE' }, 'body'],
  ])('rejects %o with 400 naming %s and writes nothing', async (body, field) => {
    const account = await createTestAccount();
    const before = await countOrders();
    const response = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect(await countOrders()).toBe(before);
    expect((await db('accounts').where({ id: account.id }).first()).stripe_customer_id).toBeNull();
  });

  it('replays the same Idempotency-Key + body and refuses the key with another body', async () => {
    const account = await createTestAccount();
    const headers = { 'idempotency-key': 'buy-credits-1' };
    const first = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: 250 }, headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await countOrders();
    const replay = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: 250 }, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const conflict = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: 300 }, headers });
    expectErrorBody(conflict, 409, 'idempotency_conflict');
    // the same key on the package endpoint is another request, too
    const elsewhere = await api('POST', '/v1/credits/purchase', { key: account.apiKey, body: { package_id: 'pro' }, headers });
    expectErrorBody(elsewhere, 409, 'idempotency_conflict');
    expect(await countOrders()).toBe(before);

    // a body idempotency_key works like the header; keys are per account
    const other = await createTestAccount();
    const bodyKey = await api('POST', '/v1/billing/credits/purchase', { key: other.apiKey, body: { amount: 250, idempotency_key: 'buy-credits-1' } });
    expect(bodyKey.status).toBe(201);
    expect(bodyKey.body.purchase_id).not.toBe(first.body.purchase_id);
  });

  it('creates one order for concurrent requests with the same Idempotency-Key', async () => {
    const account = await createTestAccount();
    const headers = { 'idempotency-key': 'concurrent-buy' };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: 100 }, headers })),
    );
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((r) => r.body.purchase_id)).size).toBe(1);
    expect(await db('payment_orders').where({ account_id: account.id })).toHaveLength(1);
  });

  it('is for account keys only', async () => {
    expectErrorBody(await api('POST', '/v1/billing/credits/purchase', { key: 'admin', body: { amount: 100 } }), 403, 'forbidden');
    expectErrorBody(await api('POST', '/v1/billing/credits/purchase', { body: { amount: 100 } }), 401, 'unauthorized');
  });
});

describe('POST /v1/credits/purchase (seed 004)', () => {
  it('buys a catalog package', async () => {
    const account = await createTestAccount();
    const response = await api('POST', '/v1/credits/purchase', { key: account.apiKey, body: { package_id: 'starter' } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ credits: 2500, amount_due: 25, currency: 'usd', status: 'pending', package_id: 'starter' });
  });

  it.each([
    [{ package_id: 'platinum' }, 'package_id'],
    [{ package_id: '' }, 'package_id'],
    [{}, 'package_id'],
    [{ package_id: 'pro', amount: 5 }, 'body'],
  ])('rejects %o naming %s', async (body, field) => {
    const account = await createTestAccount();
    const before = await countOrders();
    const response = await api('POST', '/v1/credits/purchase', { key: account.apiKey, body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect(await countOrders()).toBe(before);
  });
});

describe('GET /v1/billing/credits/purchases/:id', () => {
  it('shows the owner its purchase and hides it from other accounts', async () => {
    const owner = await createTestAccount();
    const stranger = await createTestAccount();
    const created = await api('POST', '/v1/billing/credits/purchase', { key: owner.apiKey, body: { amount: 100 } });
    const id = created.body.purchase_id;
    const own = await api('GET', `/v1/billing/credits/purchases/${id}`, { key: owner.apiKey });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      purchase_id: id,
      status: 'pending',
      credits: 100,
      credits_added: 0,
      amount_due: 1,
      amount_charged: null,
      currency: 'usd',
      new_balance: null,
      invoice_id: null,
      workflow: { id: `checkout:${id}`, status: 'NOT_STARTED' },
    });
    expectErrorBody(await api('GET', `/v1/billing/credits/purchases/${id}`, { key: stranger.apiKey }), 404, 'not_found');
    expectErrorBody(await api('GET', '/v1/billing/credits/purchases/pur_doesnotexist', { key: owner.apiKey }), 404, 'not_found');
    expectErrorBody(await api('GET', '/v1/billing/credits/purchases/not-an-id', { key: owner.apiKey }), 400, 'validation_failed');
    expect((await api('GET', `/v1/billing/credits/purchases/${id}`, { key: 'admin' })).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents the purchase, webhook, payment order and refund routes', async () => {
    const { body } = await api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/billing/credits/purchase',
        '/v1/credits/purchase',
        '/v1/billing/credits/purchases/{id}',
        '/v1/webhooks/stripe',
        '/v1/admin/payment-orders',
        '/v1/admin/payment-orders/{id}/mark-paid',
        '/v1/admin/payment-orders/reconciliations',
        '/v1/admin/purchases/{id}/refund',
        '/v1/admin/purchases/{id}/refunds',
      ]),
    );
  });
});
