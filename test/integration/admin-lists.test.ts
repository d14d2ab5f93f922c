import crypto from 'node:crypto';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newModel, newTool, type TestAccount } from '../factories/accounts';

/** Admin account list and detail, the tool catalog for account keys, usage quotes, publisher prices. */
const db = testDb();
afterAll(() => db.destroy());

const tag = () => crypto.randomUUID().slice(0, 8);

async function namedAccount(name: string, plan = 'free', email?: string): Promise<TestAccount> {
  const response = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name, plan, ...(email ? { email } : {}) } });
  expect(response.status).toBe(201);
  return { id: response.body.id, key: response.body.api_key };
}

const rowCounts = async () => {
  const tables = ['ledger_entries', 'usage_events', 'usage_items', 'publisher_accruals', 'holds'];
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, Number((await db(t).count({ n: '*' }))[0]!.n)])));
};

describe('GET /v1/admin/accounts', () => {
  it('searches by name, email or id, filters by plan and pages, newest first', async () => {
    const t = tag();
    const alpha = await namedAccount(`Alpha ${t}`, 'free', `billing-${t}@alpha.example`);
    const beta = await namedAccount(`Beta ${t}`, 'pro');
    const gamma = await namedAccount(`Gamma ${t} 100%_off`, 'pro');

    const byName = await api('GET', `/v1/admin/accounts?query=${t}`, { key: 'admin' });
    expect(byName.status).toBe(200);
    expect(byName.body.meta).toEqual({ total: 3, limit: 20, offset: 0 });
    expect(byName.body.data.map((a: any) => a.id)).toEqual([gamma.id, beta.id, alpha.id]);
    expect(byName.body.data[2]).toEqual({
      id: alpha.id,
      name: `Alpha ${t}`,
      email: `billing-${t}@alpha.example`,
      plan: 'free',
      balance: 100,
      subscription_status: null,
      period_start: expect.any(String),
      period_end: expect.any(String),
      created_at: expect.any(String),
    });

    const byEmail = await api('GET', `/v1/admin/accounts?query=BILLING-${t}`, { key: 'admin' });
    expect(byEmail.body.data.map((a: any) => a.id)).toEqual([alpha.id]);
    const byId = await api('GET', `/v1/admin/accounts?query=${beta.id}`, { key: 'admin' });
    expect(byId.body.data.map((a: any) => a.id)).toEqual([beta.id]);
    // % and _ are searched for, not wildcards
    const literal = await api('GET', `/v1/admin/accounts?query=${encodeURIComponent(`${t} 100%_off`)}`, { key: 'admin' });
    expect(literal.body.data.map((a: any) => a.id)).toEqual([gamma.id]);
    expect((await api('GET', `/v1/admin/accounts?query=${encodeURIComponent(`${t}%`)}`, { key: 'admin' })).body.meta.total).toBe(0);

    const pro = await api('GET', `/v1/admin/accounts?query=${t}&plan=pro`, { key: 'admin' });
    expect(pro.body.data.map((a: any) => a.id)).toEqual([gamma.id, beta.id]);
    const page2 = await api('GET', `/v1/admin/accounts?query=${t}&limit=2&offset=2`, { key: 'admin' });
    expect(page2.body).toMatchObject({ data: [{ id: alpha.id }], meta: { total: 3, limit: 2, offset: 2 } });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['offset=-1', 'offset'],
    ['query=', 'query'],
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const response = await api('GET', `/v1/admin/accounts?${query}`, { key: 'admin' });
    expectErrorBody(response, 400, 'validation_failed');
    expect(JSON.stringify(response.body.error.details)).toContain(field);
  });

  it('is for admin keys only', async () => {
    const account = await newAccount();
    expect((await api('GET', '/v1/admin/accounts', { key: account.key })).status).toBe(403);
    expect((await api('GET', `/v1/admin/accounts/${account.id}`, { key: account.key })).status).toBe(403);
  });
});

describe('GET /v1/admin/accounts/:id', () => {
  it('shows balance, plan, subscription, the open period and keys without secrets', async () => {
    const account = await newAccount('pro');
    const second = await api('POST', `/v1/admin/accounts/${account.id}/api-keys`, { key: 'admin' });
    await api('DELETE', `/v1/admin/api-keys/${second.body.key_id}`, { key: 'admin' });
    const tool = await newTool(2.5);
    expect((await api('POST', '/v1/usage', { key: account.key, body: { items: [{ type: 'tool', tool, quantity: 2 }] } })).status).toBe(201);

    const detail = await api('GET', `/v1/admin/accounts/${account.id}`, { key: 'admin' });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: account.id,
      plan: 'pro',
      balance: 9995,
      held: 0,
      available: 9995,
      balance_value: 99.95,
      currency: 'USD',
      period: { included_credits: 10_000, used: 5, overage: 0 },
      subscription: { plan: 'pro', status: 'active', stripe_subscription_id: null, cancel_at_period_end: false },
    });
    expect(detail.body.keys).toHaveLength(2);
    expect(detail.body.keys[1]).toEqual({ id: second.body.key_id, prefix: second.body.api_key.slice(0, 14), created_at: expect.any(String), revoked_at: expect.any(String) });
    expect(detail.body.keys[0].revoked_at).toBeNull();
    expect(detail.text).not.toContain(account.key);
    expect(detail.text).not.toContain(second.body.api_key);
    expect(detail.text).not.toContain('key_hash');
  });

  it('answers 404 for an unknown account', async () => {
    expectErrorBody(await api('GET', '/v1/admin/accounts/acct_nosuchaccount', { key: 'admin' }), 404, 'not_found');
  });
});

describe('GET /v1/tools and POST /v1/usage/quote', () => {
  it('lists each tool with credits_per_execution, the demo tools included', async () => {
    const account = await newAccount();
    const tool = await newTool(3.25);
    const response = await api('GET', '/v1/tools', { key: account.key });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual(expect.arrayContaining([
      { id: tool, publisher_id: null, credits_per_execution: 3.25, description: null, demo: false, min_credits_per_execution: 1, max_credits_per_execution: 10 },
      expect.objectContaining({ id: 'stripe.customers.create', demo: true, credits_per_execution: expect.any(Number) }),
      expect.objectContaining({ id: 'openai.chat.completions', demo: true }),
    ]));
    expect((await api('GET', '/v1/tools')).status).toBe(401);
  });

  it('quotes exactly what /v1/usage then charges, and writes nothing', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1.5);
    const model = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15 });
    const body = { agent: 'researcher', markup: 'agent', items: [{ type: 'tool', tool, quantity: 2 }, { type: 'model', model, input_tokens: 8_000, output_tokens: 800 }] }; // within Free's 10,000 tokens

    const before = await rowCounts();
    const quote = await api('POST', '/v1/usage/quote', { key: account.key, body, headers: { 'Idempotency-Key': 'quote-1' } });
    expect(quote.status).toBe(200);
    expect(await rowCounts()).toEqual(before);

    const used = await api('POST', '/v1/usage', { key: account.key, body, headers: { 'Idempotency-Key': 'quote-1' } });
    expect(used.status).toBe(201);
    expect(quote.body).toEqual({
      credits: used.body.credits_used,
      breakdown: used.body.breakdown,
      balance: 100,
      available: 100,
      balance_after_if_charged: used.body.balance_after,
      overage_if_charged: 0,
      would_exceed: false,
      overage_allowed: false,
      tokens: 8_800,
      tokens_available: 10_000,
      would_exceed_tokens: false,
    });
    expect(JSON.stringify(quote.body)).not.toContain('provider_cost');
    await expectLedgerInvariants(db, account.id);
  });

  it.each([
    ['free', 402],
    ['pro', 201],
  ])('on %s, a charge beyond the balance would_exceed (and /v1/usage answers %s)', async (plan, usageStatus) => {
    const account = await newAccount(plan);
    const balance = plan === 'free' ? 100 : 10_000;
    const tool = await newTool(balance / 2 + 1);
    const body = { items: [{ type: 'tool', tool, quantity: 2 }] };
    const quote = await api('POST', '/v1/usage/quote', { key: account.key, body });
    expect(quote.body).toMatchObject({ credits: balance + 2, balance, balance_after_if_charged: 0, overage_if_charged: 2, would_exceed: true, overage_allowed: plan === 'pro' });
    expect((await api('POST', '/v1/usage', { key: account.key, body })).status).toBe(usageStatus);
  });

  it('validates like /v1/usage: an unknown tool or a bad item is a 400 naming the field', async () => {
    const account = await newAccount();
    const unknown = await api('POST', '/v1/usage/quote', { key: account.key, body: { items: [{ type: 'tool', tool: 'no.such.tool' }] } });
    expectErrorBody(unknown, 400, 'validation_failed');
    expect(unknown.body.error.details.field).toBe('items.0.tool');
    expectErrorBody(await api('POST', '/v1/usage/quote', { key: account.key, body: { items: [] } }), 400, 'validation_failed');
    expect((await api('POST', '/v1/usage/quote', { key: 'admin', body: { items: [{ type: 'tool', tool: 'stripe.customers.create' }] } })).status).toBe(403);
  });
});

describe('PUT /v1/publisher/tools/:id', () => {
  async function publisherWithTool(bounds: Record<string, number> = {}) {
    const publisher = await api('POST', '/v1/admin/publishers', { key: 'admin', body: { name: `Publisher ${tag()}` } });
    const tool = `pub.tool.${tag()}`;
    const put = await api('PUT', `/v1/admin/tools/${tool}`, { key: 'admin', body: { credits_per_execution: 2, publisher_id: publisher.body.id, ...bounds } });
    expect(put.status).toBe(200);
    return { publisher: { id: publisher.body.id as string, key: publisher.body.api_key as string }, tool };
  }

  it('lets a publisher price its own tool within the default 1–10 credits, and the next usage pays it', async () => {
    const { publisher, tool } = await publisherWithTool();
    const set = await api('PUT', `/v1/publisher/tools/${tool}`, { key: publisher.key, body: { credits_per_execution: 7.5, description: 'Faster now' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: tool, publisher_id: publisher.id, credits_per_execution: 7.5, description: 'Faster now', min_credits_per_execution: 1, max_credits_per_execution: 10 });
    const account = await newAccount();
    const used = await api('POST', '/v1/usage', { key: account.key, body: { items: [{ type: 'tool', tool }] } });
    expect(used.body.credits_used).toBe(7.5);

    for (const [price, field] of [[0.5, 'minimum'], [10.01, 'maximum']] as const) {
      const refused = await api('PUT', `/v1/publisher/tools/${tool}`, { key: publisher.key, body: { credits_per_execution: price } });
      expectErrorBody(refused, 400, 'validation_failed');
      expect(refused.body.error.details).toMatchObject({ field: 'credits_per_execution', [field]: field === 'minimum' ? 1 : 10 });
    }
    expect((await db('tools').where({ id: tool }).first()).credits_per_execution).toBe('7500000');
  });

  it('keeps to the bounds an admin set', async () => {
    const { publisher, tool } = await publisherWithTool({ min_credits_per_execution: 20, max_credits_per_execution: 50 });
    expect((await api('PUT', `/v1/publisher/tools/${tool}`, { key: publisher.key, body: { credits_per_execution: 50 } })).status).toBe(200);
    expect((await api('PUT', `/v1/publisher/tools/${tool}`, { key: publisher.key, body: { credits_per_execution: 5 } })).status).toBe(400);
    const inverted = await api('PUT', `/v1/admin/tools/${tool}`, { key: 'admin', body: { credits_per_execution: 2, min_credits_per_execution: 9, max_credits_per_execution: 3 } });
    expectErrorBody(inverted, 400, 'validation_failed');
    // one bound alone, crossing the stored other one (max 50): refused, the tool unchanged
    const crossing = await api('PUT', `/v1/admin/tools/${tool}`, { key: 'admin', body: { credits_per_execution: 2, min_credits_per_execution: 60 } });
    expectErrorBody(crossing, 400, 'validation_failed');
    expect(await db('tools').where({ id: tool }).first()).toMatchObject({ min_credits_per_execution: '20000000', max_credits_per_execution: '50000000' });
  });

  it("answers 404 for another publisher's tool or a platform tool, changing nothing", async () => {
    const { tool } = await publisherWithTool();
    const other = await publisherWithTool();
    expectErrorBody(await api('PUT', `/v1/publisher/tools/${tool}`, { key: other.publisher.key, body: { credits_per_execution: 3 } }), 404, 'not_found');
    expectErrorBody(await api('PUT', '/v1/publisher/tools/stripe.customers.create', { key: other.publisher.key, body: { credits_per_execution: 3 } }), 404, 'not_found');
    expect((await db('tools').where({ id: tool }).first()).credits_per_execution).toBe('2000000');
    const account = await newAccount();
    expect((await api('PUT', `/v1/publisher/tools/${tool}`, { key: account.key, body: { credits_per_execution: 3 } })).status).toBe(403);
  });
});
