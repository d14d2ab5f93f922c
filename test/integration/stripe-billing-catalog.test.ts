import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { upsertPlan } from '../../src/catalog/catalog.queries';
import { loadConfig } from '../../src/config/config';
import { createStripe } from '../../src/integrations/stripe/client';
import { ensureBillingCatalog, getPlanPrices, stripeTaxRatesFor, type BillingCatalogDeps } from '../../src/subscriptions/billing-catalog';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createAccount, PROFILES, putProfile } from '../helpers/invoice-fixtures';
import { readStackInfo } from '../helpers/stack-info';
import { startStripeFaultProxy, type RecordedRequest, type StripeFaultProxy } from '../helpers/stripe-fault-proxy';

/**
 * The Stripe Billing catalog against stripe-mock behind a recording proxy (which also replays
 * answers by idempotency key, as Stripe does). stripe-mock never returns our prices from a list,
 * so what is checked is what Settle sends: objects, parameters and idempotency keys.
 */
let db: Knex;
let proxy: StripeFaultProxy;
let deps: BillingCatalogDeps;
// A meter event name of this file's own, so the meter is certainly created here.
const eventName = `settle_overage_test_${crypto.randomBytes(4).toString('hex')}`;
const tokenEventName = `settle_token_overage_test_${crypto.randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = testDb();
  proxy = await startStripeFaultProxy(readStackInfo().stripeApiBase);
  const config = loadConfig({ STRIPE_METER_EVENT_NAME: eventName, STRIPE_TOKEN_METER_EVENT_NAME: tokenEventName }, 'embedded');
  deps = { db, stripe: createStripe({ apiBase: proxy.url }), config };
});
afterAll(async () => {
  await proxy.close();
  await db.destroy();
});

/** Requests recorded while `run` ran. */
async function recorded<T>(run: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }> {
  const from = proxy.requests.length;
  const result = await run();
  return { result, requests: proxy.requests.slice(from) };
}

const creates = (requests: RecordedRequest[], path: string) => requests.filter((r) => r.method === 'POST' && r.path === path);
const priceCreate = (requests: RecordedRequest[], lookupKey: string) => creates(requests, '/v1/prices').filter((r) => r.form.lookup_key === lookupKey);

const planRow = (id: string, fields: { monthly: number; overage: number; overageAllowed?: boolean }) => ({
  id, name: `Test plan ${id}`, monthly_price_minor: String(fields.monthly), currency: 'usd', included_credits_micro: '0', included_tokens: '0',
  overage_allowed: fields.overageAllowed ?? true, overage_price_minor_per_credit: String(fields.overage), agent_limit: null,
  rollover_fraction: '0', features: '[]',
});

describe('Stripe Billing catalog', () => {
  it('was ensured when the stack’s worker started: pro has a current fee, overage and token overage price, free none', async () => {
    const meter = await db('stripe_billing_meters').where({ event_name: 'settle_overage_credits' }).first();
    expect(meter?.stripe_meter_id).toEqual(expect.any(String));
    const tokenMeter = await db('stripe_billing_meters').where({ event_name: 'settle_overage_tokens' }).first();
    expect(tokenMeter?.stripe_meter_id).toEqual(expect.any(String));
    // current rows: any later worker start (other suites start their own) ensures the catalog again
    const pro = await db('stripe_plan_prices').where({ plan_id: 'pro', current: true }).orderBy('kind');
    expect(pro).toEqual([
      expect.objectContaining({ kind: 'fee', lookup_key: 'settle:pro:fee', terms: 'fee:usd:4900/month', stripe_product_id: 'settle_plan_pro' }),
      expect.objectContaining({ kind: 'overage', lookup_key: 'settle:pro:overage', terms: `overage:usd:0.000001/month@${meter.stripe_meter_id}` }),
      // $2 per million tokens = 0.0002 cents per token, on the token meter
      expect.objectContaining({ kind: 'token_overage', lookup_key: 'settle:pro:token_overage', terms: `token_overage:usd:0.0002/month@${tokenMeter.stripe_meter_id}` }),
    ]);
    expect(await db('stripe_plan_prices').where({ plan_id: 'free' })).toEqual([]);
  });

  let firstRunKeys: string[];
  it('creates the meters (sum of value per stripe_customer_id), the product and the three prices of each paid plan, every create keyed', async () => {
    const { result, requests } = await recorded(() => ensureBillingCatalog(deps));

    const [meterCreate, tokenMeterCreate, ...moreMeters] = creates(requests, '/v1/billing/meters');
    expect(moreMeters).toEqual([]);
    const sumPerCustomer = {
      'default_aggregation[formula]': 'sum',
      'customer_mapping[type]': 'by_id', 'customer_mapping[event_payload_key]': 'stripe_customer_id', 'value_settings[event_payload_key]': 'value',
    };
    expect(meterCreate!.form).toMatchObject({ event_name: eventName, ...sumPerCustomer });
    expect(meterCreate!.idempotencyKey).toBe(`settle:meter:${eventName}`);
    expect(tokenMeterCreate!.form).toMatchObject({ event_name: tokenEventName, display_name: 'Settle token overage (tokens)', ...sumPerCustomer });
    expect(tokenMeterCreate!.idempotencyKey).toBe(`settle:meter:${tokenEventName}`);
    expect([result.meterId, result.tokenMeterId]).toEqual([meterCreate!.objectId, tokenMeterCreate!.objectId]);
    expect(await db('stripe_billing_meters').where({ event_name: eventName }).first()).toMatchObject({ stripe_meter_id: result.meterId });
    expect(await db('stripe_billing_meters').where({ event_name: tokenEventName }).first()).toMatchObject({ stripe_meter_id: result.tokenMeterId });

    // stripe-mock knows every product id, with its own name: Settle renames it to the plan's.
    expect(requests.some((r) => r.method === 'GET' && r.path === '/v1/products/settle_plan_pro')).toBe(true);
    expect(creates(requests, '/v1/products/settle_plan_pro').map((r) => r.form)).toEqual([
      expect.objectContaining({ name: 'Pro', 'metadata[settle_plan]': 'pro', active: 'true' }),
    ]);
    expect(requests.some((r) => r.path.startsWith('/v1/products/settle_plan_free'))).toBe(false);
    expect(priceCreate(requests, 'settle:free:fee')).toEqual([]);

    const [fee] = priceCreate(requests, 'settle:pro:fee');
    expect(fee!.form).toEqual({
      product: 'settle_plan_pro', currency: 'usd', unit_amount: '4900',
      'recurring[interval]': 'month', 'recurring[interval_count]': '1', 'recurring[usage_type]': 'licensed',
      lookup_key: 'settle:pro:fee', transfer_lookup_key: 'true',
      'metadata[settle_plan]': 'pro', 'metadata[settle_kind]': 'fee', 'metadata[settle_terms]': 'fee:usd:4900/month',
    });
    const [overage] = priceCreate(requests, 'settle:pro:overage');
    expect(overage!.form).toMatchObject({
      product: 'settle_plan_pro', currency: 'usd', unit_amount_decimal: '0.000001',
      'recurring[interval]': 'month', 'recurring[usage_type]': 'metered', 'recurring[meter]': result.meterId,
      lookup_key: 'settle:pro:overage', transfer_lookup_key: 'true', 'metadata[settle_kind]': 'overage',
    });
    expect(overage!.form.unit_amount).toBeUndefined();
    const [tokenOverage, ...moreTokenPrices] = priceCreate(requests, 'settle:pro:token_overage');
    expect(moreTokenPrices).toEqual([]);
    expect(tokenOverage!.form).toMatchObject({
      product: 'settle_plan_pro', currency: 'usd', unit_amount_decimal: '0.0002',
      'recurring[interval]': 'month', 'recurring[usage_type]': 'metered', 'recurring[meter]': result.tokenMeterId,
      lookup_key: 'settle:pro:token_overage', transfer_lookup_key: 'true', 'metadata[settle_kind]': 'token_overage',
      'metadata[settle_terms]': `token_overage:usd:0.0002/month@${result.tokenMeterId}`,
    });

    const writes = requests.filter((r) => r.method === 'POST');
    expect(writes.filter((r) => !r.idempotencyKey)).toEqual([]);
    firstRunKeys = writes.map((r) => r.idempotencyKey!);

    const pro = result.plans.find((plan) => plan.planId === 'pro');
    expect(pro).toEqual({ planId: 'pro', feePriceId: fee!.objectId, overagePriceId: overage!.objectId, tokenOveragePriceId: tokenOverage!.objectId });
    expect(result.plans.map((plan) => plan.planId)).not.toContain('free');
    const current = await db('stripe_plan_prices').where({ plan_id: 'pro', current: true }).orderBy('kind');
    expect(current.map((row) => [row.kind, row.stripe_price_id])).toEqual([['fee', fee!.objectId], ['overage', overage!.objectId], ['token_overage', tokenOverage!.objectId]]);
    expect(await getPlanPrices(deps, 'pro')).toEqual({ productId: 'settle_plan_pro', feePriceId: fee!.objectId, overagePriceId: overage!.objectId, tokenOveragePriceId: tokenOverage!.objectId });
  });

  it('a second run with unchanged plans sends the same requests under the same keys (Stripe answers them once)', async () => {
    const { requests } = await recorded(() => ensureBillingCatalog(deps));
    const writes = requests.filter((r) => r.method === 'POST');
    expect(writes.map((r) => r.idempotencyKey)).toEqual(firstRunKeys);
    expect(writes.map((r) => r.outcome)).toEqual(writes.map(() => 'replayed'));
  });

  it('an edited plan gets a new fee price under a new key that takes the lookup key over; getPlanPrices returns it', async () => {
    const planId = `catalog_${crypto.randomBytes(4).toString('hex')}`;
    await upsertPlan(db, planRow(planId, { monthly: 1900, overage: 2 }));
    const first = await recorded(() => getPlanPrices(deps, planId));
    const [fee1] = priceCreate(first.requests, `settle:${planId}:fee`);
    const [overage1] = priceCreate(first.requests, `settle:${planId}:overage`);
    expect(fee1!.form).toMatchObject({ unit_amount: '1900', product: `settle_plan_${planId}` });
    expect(overage1!.form).toMatchObject({ unit_amount_decimal: '0.000002' });
    // no token overage price on this plan: its token overage price is metered at 0
    const [tokenOverage1] = priceCreate(first.requests, `settle:${planId}:token_overage`);
    expect(tokenOverage1!.form).toMatchObject({ unit_amount_decimal: '0' });
    expect(first.result).toEqual({ productId: `settle_plan_${planId}`, feePriceId: fee1!.objectId, overagePriceId: overage1!.objectId, tokenOveragePriceId: tokenOverage1!.objectId });

    // Unchanged: the recorded prices answer, Stripe is not asked.
    const again = await recorded(() => getPlanPrices(deps, planId));
    expect(again.requests).toEqual([]);
    expect(again.result).toEqual(first.result);

    await upsertPlan(db, planRow(planId, { monthly: 2900, overage: 2 }));
    const edited = await recorded(() => getPlanPrices(deps, planId));
    const [fee2] = priceCreate(edited.requests, `settle:${planId}:fee`);
    expect(fee2!.form).toMatchObject({ unit_amount: '2900', transfer_lookup_key: 'true', lookup_key: `settle:${planId}:fee` });
    expect(fee2!.idempotencyKey).not.toBe(fee1!.idempotencyKey);
    expect(fee2!.outcome).toBe('executed');
    expect(fee2!.objectId).not.toBe(fee1!.objectId);
    // The overage terms did not change: same request, same key, the same price back.
    const [overage2] = priceCreate(edited.requests, `settle:${planId}:overage`);
    expect([overage2!.idempotencyKey, overage2!.outcome]).toEqual([overage1!.idempotencyKey, 'replayed']);
    expect(edited.result).toEqual({ productId: `settle_plan_${planId}`, feePriceId: fee2!.objectId, overagePriceId: overage1!.objectId, tokenOveragePriceId: tokenOverage1!.objectId });

    const rows = await db('stripe_plan_prices').where({ plan_id: planId, kind: 'fee' }).orderBy('id');
    expect(rows.map((row) => [row.terms, row.stripe_price_id, row.current])).toEqual([
      ['fee:usd:1900/month', fee1!.objectId, false],
      ['fee:usd:2900/month', fee2!.objectId, true],
    ]);
  });

  it('a plan with nothing to charge has no prices; an unknown plan is refused', async () => {
    const planId = `catalog_free_${crypto.randomBytes(4).toString('hex')}`;
    await upsertPlan(db, planRow(planId, { monthly: 0, overage: 5, overageAllowed: false }));
    const { result, requests } = await recorded(() => getPlanPrices(deps, planId));
    expect(result).toBeNull();
    expect(requests).toEqual([]);
    await expect(getPlanPrices(deps, 'no_such_plan')).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('PUT /v1/admin/plans/:id ensures the edited plan’s prices (old ones stay, no longer current)', async () => {
    const planId = `catalog_put_${crypto.randomBytes(4).toString('hex')}`;
    const body = { name: 'Team', monthly_price: 99, included_credits: 1000, overage_allowed: true, overage_price_per_credit: 0.02 };
    expect((await api('PUT', `/v1/admin/plans/${planId}`, { key: 'admin', body })).status).toBe(200);
    const before = await db('stripe_plan_prices').where({ plan_id: planId, current: true }).orderBy('kind');
    expect(before.map((row) => row.terms)).toEqual(['fee:usd:9900/month', expect.stringMatching(/^overage:usd:0\.000002\/month@/), expect.stringMatching(/^token_overage:usd:0\/month@/)]);

    expect((await api('PUT', `/v1/admin/plans/${planId}`, { key: 'admin', body: { ...body, monthly_price: 149 } })).status).toBe(200);
    const fees = await db('stripe_plan_prices').where({ plan_id: planId, kind: 'fee' }).orderBy('id');
    expect(fees.map((row) => [row.terms, row.current])).toEqual([['fee:usd:9900/month', false], ['fee:usd:14900/month', true]]);

    // the token overage price: $2 per million tokens = 0.0002 minor units per token
    const priced = await api('PUT', `/v1/admin/plans/${planId}`, { key: 'admin', body: { ...body, monthly_price: 149, token_overage_price_per_million: 2 } });
    expect(priced.body.tokenOveragePricePerMillion).toBe(2);
    const tokenPrices = await db('stripe_plan_prices').where({ plan_id: planId, kind: 'token_overage' }).orderBy('id');
    expect(tokenPrices.map((row) => [row.terms.split('@')[0], row.current])).toEqual([['token_overage:usd:0/month', false], ['token_overage:usd:0.0002/month', true]]);
  });
});

describe('Stripe tax rates for subscriptions', () => {
  it('a domestic buyer: one tax rate at the configured rate, created once and then reused', async () => {
    // A rate of this run's own, so the key is new whatever other tests created.
    const rateBp = 1000 + crypto.randomInt(1, 999);
    expect((await api('PUT', '/v1/admin/tax-rates/NZ', { key: 'admin', body: { rate: rateBp / 10_000, name: 'GST' } })).status).toBe(200);
    const account = await createAccount('Kiwi Ltd');
    await putProfile(account.key, { legal_name: 'Aroha Ngata', email: 'aroha@example.nz', address: { line1: '1 Queen St', city: 'Auckland', postal_code: '1010', country: 'NZ' } });
    const nzSeller = { ...deps, config: loadConfig({ STRIPE_METER_EVENT_NAME: eventName, STRIPE_TOKEN_METER_EVENT_NAME: tokenEventName, SELLER_COUNTRY: 'NZ' }, 'embedded') };

    const first = await recorded(() => stripeTaxRatesFor(nzSeller, account.id));
    const [create, ...more] = creates(first.requests, '/v1/tax_rates');
    expect(more).toEqual([]);
    const key = `NZ:${rateBp}:GST:exclusive`;
    expect(create!.form).toEqual({
      display_name: 'GST', percentage: String(rateBp / 100), inclusive: 'false', country: 'NZ', 'metadata[settle_tax_key]': key,
    });
    expect(create!.idempotencyKey).toBe(`settle:tax-rate:${key}`);
    expect(first.result).toEqual([create!.objectId]);
    expect(await db('stripe_tax_rates').where({ key }).first()).toMatchObject({ stripe_tax_rate_id: create!.objectId, country: 'NZ', rate_bp: rateBp, display_name: 'GST' });

    const second = await recorded(() => stripeTaxRatesFor(nzSeller, account.id));
    expect(second.requests).toEqual([]);
    expect(second.result).toEqual(first.result);
  });

  it('no tax charged (reverse charge to an EU business): no tax rate', async () => {
    const account = await createAccount('Société Exemple');
    await putProfile(account.key, PROFILES.frenchBusiness);
    const { result, requests } = await recorded(() => stripeTaxRatesFor(deps, account.id));
    expect(result).toEqual([]);
    expect(requests).toEqual([]);
  });
});
