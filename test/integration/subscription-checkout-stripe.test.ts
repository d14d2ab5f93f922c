import crypto from 'node:crypto';
import { loadConfig } from '../../src/config/config';
import { createStripe } from '../../src/integrations/stripe/client';
import { getPlanPrices } from '../../src/subscriptions/billing-catalog';
import { startSubscriptionCheckout } from '../../src/subscriptions/subscription-checkout.service';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';
import { createTestAccount } from '../helpers/stripe-checkout';
import { startStripeFaultProxy, type StripeFaultProxy } from '../helpers/stripe-fault-proxy';

/**
 * What Settle sends Stripe to start a subscription, seen through a recording proxy in front of
 * stripe-mock: the plan's prices, the tax rates of the account's treatment, the billing cycle
 * anchored on the 1st (UTC), the account in metadata, and idempotency keys on every create.
 */
const db = testDb();
let proxy: StripeFaultProxy;
beforeAll(async () => {
  proxy = await startStripeFaultProxy(readStackInfo().stripeApiBase);
});
afterAll(async () => {
  await proxy.close();
  await db.destroy();
});

describe('subscription checkout: the Stripe request', () => {
  it('sends fee + metered credit and token overage with tax rates, anchored on the 1st, keyed by the request', async () => {
    const account = await createTestAccount('German Subscriber', 'free');
    const profile = { legal_name: 'Muster GmbH', email: 'billing@muster.example', address: { line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'DE' } };
    expect((await api('PUT', '/v1/billing/profile', { key: account.apiKey, body: profile })).status).toBe(200);
    const deps = { db, stripe: createStripe({ apiBase: proxy.url }), config: loadConfig({}, 'embedded') };
    const requestId = crypto.randomUUID();

    const created = await startSubscriptionCheckout(deps, {
      accountId: account.id,
      planId: 'pro',
      successUrl: 'https://platform.example/ok',
      cancelUrl: 'https://platform.example/cancel',
      requestId,
      now: new Date('2026-11-17T15:30:00Z'),
    });
    expect(created).toEqual({ checkout_url: expect.any(String), session_id: expect.stringMatching(/^cs_/), plan: 'pro' });

    const prices = (await getPlanPrices(deps, 'pro'))!;
    const taxRate = await db('stripe_tax_rates').where({ key: 'DE:1900:VAT:exclusive' }).first();
    expect(taxRate).toBeDefined();
    const sessions = proxy.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.idempotencyKey).toBe(`subscription-checkout:${account.id}:pro:${requestId}`);
    expect(sessions[0]!.form).toEqual({
      mode: 'subscription',
      customer: expect.stringMatching(/^cus_/),
      client_reference_id: account.id,
      'metadata[account_id]': account.id,
      'metadata[plan]': 'pro',
      'line_items[0][price]': prices.feePriceId,
      'line_items[0][quantity]': '1',
      'line_items[0][tax_rates][0]': taxRate.stripe_tax_rate_id,
      'line_items[1][price]': prices.overagePriceId,
      'line_items[1][tax_rates][0]': taxRate.stripe_tax_rate_id,
      // token overage (issue 15), metered on the token meter
      'line_items[2][price]': prices.tokenOveragePriceId,
      'line_items[2][tax_rates][0]': taxRate.stripe_tax_rate_id,
      'subscription_data[metadata][account_id]': account.id,
      'subscription_data[metadata][plan]': 'pro',
      'subscription_data[billing_cycle_anchor]': String(Date.UTC(2026, 11, 1) / 1000),
      'subscription_data[proration_behavior]': 'create_prorations',
      success_url: 'https://platform.example/ok',
      cancel_url: 'https://platform.example/cancel',
    });
    const customers = proxy.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers');
    expect(customers.map((r) => r.idempotencyKey)).toEqual([`customer:${account.id}`]);
    expect(proxy.requests.filter((r) => r.method === 'POST').every((r) => r.idempotencyKey !== null)).toBe(true);
  });

  it('opens the customer portal for the account’s Stripe customer', async () => {
    const account = await createTestAccount('Portal User', 'free');
    const response = await api('POST', '/v1/billing/portal', { key: account.apiKey, body: { return_url: 'https://platform.example/billing' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ url: expect.stringMatching(/^https?:\/\//) });
    expect((await db('accounts').where({ id: account.id }).first()).stripe_customer_id).toMatch(/^cus_/);
    expect((await api('POST', '/v1/billing/portal', { key: account.apiKey, body: { return_url: 'not a url' } })).status).toBe(400);
  });
});
