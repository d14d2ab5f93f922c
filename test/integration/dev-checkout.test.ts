import { api, expectErrorBody } from '../helpers/api';
import { startApiInstance } from '../helpers/api-instance';
import { testDb } from '../helpers/db';
import { settle } from '../helpers/settle-cli';
import { readStackInfo } from '../helpers/stack-info';
import { createTestAccount, expectLedgerInvariants, waitFor, waitForOrder, type TestAccount } from '../helpers/stripe-checkout';

/**
 * The local payment page (stripe-mock only): checkout_url leads to it, its buttons send signed
 * Stripe events to the service's own webhook, and the checkout workflow settles them as it
 * would Stripe's.
 */
const db = testDb();
afterAll(() => db.destroy());

const stack = readStackInfo();
/** checkout_url names PUBLIC_URL (or localhost:PORT); the test stack listens on a free port. */
const onStack = (url: string) => `${stack.apiUrl}${new URL(url).pathname}`;

const buy = async (account: TestAccount, body: Record<string, unknown> = { package_id: 'starter' }) => {
  const path = 'package_id' in body ? '/v1/credits/purchase' : '/v1/billing/credits/purchase';
  const response = await api('POST', path, { key: account.apiKey, body });
  expect(response.status).toBe(201);
  return response.body as { purchase_id: string; checkout_url: string; credits: number };
};

/** Presses a button as a browser does: a form post, then the redirect back to the page. */
const press = async (checkoutUrl: string, action: string) => {
  const response = await fetch(`${onStack(checkoutUrl)}/${action}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: '' });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
};

const balance = async (account: TestAccount) => (await api('GET', '/v1/credits/balance', { key: account.apiKey })).body.data.balance;

describe('local payment page', () => {
  it('shows what is bought and credits it when Pay is pressed', async () => {
    const account = await createTestAccount('Page Payer');
    const purchase = await buy(account);
    expect(purchase.checkout_url).toMatch(new RegExp(`/dev/checkout/${purchase.purchase_id}$`));
    expect(purchase.credits).toBe(2500);

    const page = await fetch(onStack(purchase.checkout_url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('2,500 credits (starter package)');
    expect(html).toContain('25.00 USD');
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)[a-z]/i); // no script, no CDN
    for (const label of ['Pay', 'Pay later (async)', 'Fail', 'Expire']) expect(html).toContain(`>${label}</button>`);

    const pressed = await press(purchase.checkout_url, 'pay');
    expect(pressed.status).toBe(303);
    expect(pressed.location).toBe(`/dev/checkout/${purchase.purchase_id}?sent=pay`);
    const order = await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(BigInt(order.credits_added)).toBe(2_500_000_000n);
    expect(order.paid_event_id).toMatch(/^evt_dev_/);
    expect(await balance(account)).toBe(100 + 2500);

    const after = await (await fetch(`${onStack(purchase.checkout_url)}?sent=pay`)).text();
    expect(after).toContain('data-testid="status">fulfilled<');
    expect(after).not.toContain('</button>');
    const again = await press(purchase.checkout_url, 'pay');
    expect(again.status).toBe(409);
    expect(again.text).toContain('role="alert"');
    await expectLedgerInvariants(db, account.id);
  });

  it('Pay later completes the session unpaid; Pay then settles the delayed payment', async () => {
    const account = await createTestAccount('Async Payer');
    const purchase = await buy(account, { amount: 40 });
    expect((await press(purchase.checkout_url, 'pay-later')).status).toBe(303);
    await waitFor('the order to wait for the delayed payment', async () => (await db('payment_orders').where({ id: purchase.purchase_id }).first()).awaiting_async_payment);
    expect((await db('payment_orders').where({ id: purchase.purchase_id }).first()).status).toBe('pending');
    const html = await (await fetch(onStack(purchase.checkout_url))).text();
    expect(html).not.toContain('Pay later (async)</button>');
    expect(html).toContain('>Pay</button>');
    expect((await press(purchase.checkout_url, 'pay')).status).toBe(303);
    await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(await balance(account)).toBe(140);
  });

  it.each([
    ['fail', 'failed'],
    ['expire', 'expired'],
  ])('%s closes the order as %s with no credit', async (action, status) => {
    const account = await createTestAccount(`Closed by ${action}`);
    const purchase = await buy(account, { amount: 10 });
    expect((await press(purchase.checkout_url, action)).status).toBe(303);
    await waitForOrder(db, purchase.purchase_id, status);
    expect(await balance(account)).toBe(100);
    expect(await db('ledger_entries').where({ account_id: account.id, type: 'purchase' })).toHaveLength(0);
  });

  it('answers JSON to API clients, and `settle dev pay` pays from the terminal', async () => {
    const account = await createTestAccount('CLI Payer');
    const purchase = await buy(account, { package_id: 'pro' });
    expect(purchase.credits).toBe(10_000);
    const cli = await settle('dev', 'pay', purchase.purchase_id);
    expect(cli.err).toEqual([]);
    expect(cli.code).toBe(0);
    expect(cli.out.join('\n')).toContain(`checkout.session.completed`);
    await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(await balance(account)).toBe(10_100);
    const json = await fetch(`${onStack(purchase.checkout_url)}/pay`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(json.status).toBe(409);
    expect(((await json.json()) as any).error.code).toBe('conflict');
  });

  it('answers 404 for an unknown session and 400 for one that is not a session', async () => {
    expectErrorBody(await api('GET', '/dev/checkout/pur_doesnotexist'), 404, 'not_found');
    expectErrorBody(await api('POST', '/dev/checkout/pur_doesnotexist/pay', { headers: { accept: 'application/json' } }), 404, 'not_found');
    expectErrorBody(await api('GET', '/dev/checkout/cs_test_123'), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/dev/checkout/pur_abc/refund', { headers: { accept: 'application/json' } }), 400, 'validation_failed');
  });

  it('stands in for subscription checkouts too: Pay makes the plan active', async () => {
    const account = await createTestAccount('Page Subscriber');
    const created = await api('POST', '/v1/subscription/checkout', { key: account.apiKey, body: { plan: 'pro' } });
    expect(created.status).toBe(201);
    expect(created.body.checkout_url).toMatch(new RegExp(`/dev/checkout/sub\\.${account.id}\\.pro$`));
    const html = await (await fetch(onStack(created.body.checkout_url))).text();
    expect(html).toContain('Pro plan, monthly');
    expect(html).toContain('49.00 USD');
    expect((await press(created.body.checkout_url, 'pay')).status).toBe(303);
    await waitFor('the subscription to become active', async () => {
      const subscription = (await api('GET', '/v1/subscription', { key: account.apiKey })).body;
      return subscription.plan === 'pro' && subscription.status === 'active' ? subscription : null;
    });
  });

  it('is not mounted, nor documented, when STRIPE_SECRET_KEY is set', async () => {
    const instance = await startApiInstance({ STRIPE_SECRET_KEY: 'sk_test_51RealStripeStandIn', STRIPE_WEBHOOK_SECRET: 'whsec_real_stripe_stand_in' });
    try {
      const account = await createTestAccount('Real Stripe');
      const purchase = await fetch(`${instance.url}/v1/credits/purchase`, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ package_id: 'starter' }),
      });
      const body = (await purchase.json()) as any;
      expect(purchase.status).toBe(201);
      expect(body.checkout_url).not.toContain('/dev/checkout');
      const page = await fetch(`${instance.url}/dev/checkout/${body.purchase_id}`);
      expect(page.status).toBe(404);
      const pressed = await fetch(`${instance.url}/dev/checkout/${body.purchase_id}/pay`, { method: 'POST', headers: { accept: 'application/json' } });
      expect(pressed.status).toBe(404);
      const openapi = (await (await fetch(`${instance.url}/openapi.json`)).json()) as any;
      expect(Object.keys(openapi.paths).filter((path) => path.startsWith('/dev/'))).toEqual([]);
      expect(Object.keys(((await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as any).paths)).toContain('/dev/checkout/{session}');
      expect(await db('payment_orders').where({ id: body.purchase_id }).first('status')).toEqual({ status: 'pending' });
    } finally {
      await instance.stop();
    }
  });
});
