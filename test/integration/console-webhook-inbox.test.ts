import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { checkoutSessionEvent, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, purchaseCredits, toMinor, waitForInbox } from '../helpers/stripe-checkout';

/** GET /v1/admin/webhook-events: the Stripe webhook inbox as finance ops see it in the console. */
const db = testDb();
afterAll(() => db.destroy());

describe('GET /v1/admin/webhook-events', () => {
  it('lists a received event with its purchase and outcome, filtered by status', async () => {
    const account = await createTestAccount('Inbox Co');
    const purchase = await purchaseCredits(account, 20);
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due), currency: purchase.currency });
    const sent = await postWebhook(event);
    expect(sent.status).toBeLessThan(300);
    await waitForInbox(db, event.id);

    const processed = await api('GET', '/v1/admin/webhook-events?status=processed&limit=100', { key: 'admin' });
    expect(processed.status).toBe(200);
    const listed = processed.body.data.find((row: { id: string }) => row.id === event.id);
    expect(listed).toMatchObject({ id: event.id, type: 'checkout.session.completed', purchase_id: purchase.purchase_id, status: 'processed', last_error: null });
    expect(listed.outcome).toEqual(expect.any(String));
    expect(listed).not.toHaveProperty('payload');
    expect(processed.body.meta).toMatchObject({ limit: 100, offset: 0 });

    const failing = await api('GET', '/v1/admin/webhook-events?status=failing', { key: 'admin' });
    expect(failing.body.data.map((row: { id: string }) => row.id)).not.toContain(event.id);
  });

  it('is for finance ops only and rejects an unknown status', async () => {
    const account = await createTestAccount('Inbox Outsider');
    expectErrorBody(await api('GET', '/v1/admin/webhook-events', { key: account.apiKey }), 403, 'forbidden');
    expectErrorBody(await api('GET', '/v1/admin/webhook-events'), 401, 'unauthorized');
    const bad = await api('GET', '/v1/admin/webhook-events?status=lost', { key: 'admin' });
    expectErrorBody(bad, 400, 'validation_failed');
  });
});
