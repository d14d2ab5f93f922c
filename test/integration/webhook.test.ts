import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { checkoutSessionEvent, newEventId, postWebhook, signPayload } from '../helpers/stripe-events';
import { createTestAccount, purchaseCredits, toMinor, waitForInbox, waitForOrder } from '../helpers/stripe-checkout';

const db = testDb();
afterAll(() => db.destroy());

/** Every table a webhook could write to, counted. */
async function footprint() {
  const tables = ['stripe_events', 'payment_orders', 'ledger_entries', 'grants', 'refunds'];
  const counts = await Promise.all(tables.map(async (table) => Number((await db(table).count({ n: '*' }).first())!.n)));
  return Object.fromEntries(tables.map((table, i) => [table, counts[i]]));
}

describe('POST /v1/webhooks/stripe: signature verification', () => {
  let event: ReturnType<typeof checkoutSessionEvent>;
  let purchaseId: string;

  beforeAll(async () => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 1000);
    purchaseId = purchase.purchase_id;
    event = checkoutSessionEvent('checkout.session.completed', { purchaseId, amountTotal: toMinor(purchase.amount_due) });
  });

  const payload = () => JSON.stringify(event);
  const cases: Array<[string, () => Parameters<typeof postWebhook>]> = [
    ['a missing Stripe-Signature header', () => [payload(), { signature: null }]],
    ['a malformed signature', () => [payload(), { signature: 'garbage' }]],
    ['a bad v1 signature', () => [payload(), { signature: signPayload(payload()).replace(/v1=[0-9a-f]{6}/, 'v1=000000') }]],
    ['a signature made with the wrong secret', () => [payload(), { secret: 'whsec_not_ours_at_all' }]],
    ['a stale timestamp (301 s old)', () => [payload(), { timestamp: Math.floor(Date.now() / 1000) - 301 }]],
    ['a tampered body', () => [payload(), { body: payload().replace(`"amount_total":1000`, `"amount_total":1`) }]],
    ['a signed body that is not a Stripe event', () => ['{"hello":"world"}', {}]],
    ['an empty body', () => ['', { signature: signPayload('') }]],
  ];

  it.each(cases)('answers %s with 400 and records nothing', async (_name, args) => {
    const before = await footprint();
    const response = await postWebhook(...args());
    expectErrorBody(response, 400, 'validation_failed');
    expect(['Stripe-Signature', 'body']).toContain(response.body.error.details.field);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await footprint()).toEqual(before);
    expect((await db('payment_orders').where({ id: purchaseId }).first()).status).toBe('pending');
  });

  it('checks the tampered case really changed the signed bytes', () => {
    expect(payload()).toContain('"amount_total":1000');
  });

  it('accepts the same event correctly signed, within tolerance (299 s old)', async () => {
    const response = await postWebhook(event, { timestamp: Math.floor(Date.now() / 1000) - 299 });
    expect(response.status).toBe(200);
    expect(await db('stripe_events').where({ id: event.id })).toHaveLength(1);
    await waitForOrder(db, purchaseId, 'fulfilled');
  });
});

describe('POST /v1/webhooks/stripe: inbox', () => {
  it('records event types it does not handle and answers 2xx', async () => {
    const event = {
      id: newEventId(),
      object: 'event',
      api_version: '2025-08-27.basil',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cus_test_123', object: 'customer', email: 'a@example.com' } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.updated',
    };
    const response = await postWebhook(event);
    expect(response.status).toBe(200);
    const row = await waitForInbox(db, event.id);
    expect(row).toMatchObject({ type: 'customer.updated', outcome: 'ignored:unhandled_type', api_version: '2025-08-27.basil', livemode: false });
    expect(row.payload).toEqual(event);
  });

  it('answers a redelivery of a stored event with 2xx, duplicate, and no second row', async () => {
    const event = checkoutSessionEvent('checkout.session.expired', { purchaseId: 'pur_unknown00000000000000', amountTotal: 100 });
    expect((await postWebhook(event)).body).toEqual({ received: true, duplicate: false });
    expect((await postWebhook(event)).body).toEqual({ received: true, duplicate: true });
    expect(await db('stripe_events').where({ id: event.id })).toHaveLength(1);
    expect((await waitForInbox(db, event.id)).outcome).toBe('unknown_purchase');
  });

  it('ignores sessions that name no purchase or two different ones', async () => {
    const foreign = checkoutSessionEvent('checkout.session.completed', { purchaseId: 'x', amountTotal: 100, clientReferenceId: null, metadataPurchaseId: null });
    const conflicting = checkoutSessionEvent('checkout.session.completed', { purchaseId: 'pur_aaaaaaaaaaaaaaaaaaaa', metadataPurchaseId: 'pur_bbbbbbbbbbbbbbbbbbbb', amountTotal: 100 });
    await postWebhook(foreign);
    await postWebhook(conflicting);
    expect((await waitForInbox(db, foreign.id)).outcome).toBe('ignored:no_purchase_id');
    expect((await waitForInbox(db, conflicting.id)).outcome).toBe('invalid_payload:conflicting_purchase_ids');
  });

  it('is public: no API key needed, a signature is', async () => {
    const response = await api('POST', '/v1/webhooks/stripe', { rawBody: '{}', headers: { 'content-type': 'application/json' } });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe('Stripe-Signature');
  });
});
