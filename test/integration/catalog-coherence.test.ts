import crypto from 'node:crypto';
import { seedDemoCatalog, DEMO_MODELS, DEMO_TOOLS } from '../../src/catalog/demo-catalog';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount } from '../factories/accounts';

/**
 * One credit unit price ($0.01 here) values packages, purchases, balances and publisher earnings,
 * and a fresh start has the demo catalog the README's examples use.
 */
const db = testDb();
afterAll(() => db.destroy());

const pkgId = () => `test-${crypto.randomUUID().slice(0, 8)}`;

describe('packages follow seed 004: amount is the credit value', () => {
  it('lists the corrected seeded packages with the credits they grant', async () => {
    const packages = await api('GET', '/v1/credits/packages');
    expect(packages.body.data).toEqual(expect.arrayContaining([
      { id: 'starter', amount: 25, price: 25, currency: 'USD', credits: 2_500, discount_percent: 0 },
      { id: 'pro', amount: 100, price: 90, currency: 'USD', credits: 10_000, discount_percent: 10 },
      { id: 'teams', amount: 500, price: 400, currency: 'USD', credits: 50_000, discount_percent: 20 },
    ]));
    expect(await db('packages').whereIn('id', ['starter', 'pro', 'teams']).orderBy('price_minor').pluck('credits')).toEqual(['2500000000', '10000000000', '50000000000']);
  });

  it('sells a package for its price and grants amount / unit price credits', async () => {
    const account = await newAccount();
    const bought = await api('POST', '/v1/credits/purchase', { key: account.key, body: { package_id: 'pro' } });
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({ credits: 10_000, amount_due: 90, currency: 'usd', package_id: 'pro' });
    // buying the same credits by amount costs their full value
    const byAmount = await api('POST', '/v1/billing/credits/purchase', { key: account.key, body: { amount: 10_000 } });
    expect(byAmount.body).toMatchObject({ credits: 10_000, amount_due: 100 });
  });

  it.each([
    [{ amount: 50, price: 45 }, { amount: 50, credits: 5_000, price: 45, discount_percent: 10 }],
    [{ credits: 1_000, price: 9.5 }, { amount: 10, credits: 1_000, price: 9.5, discount_percent: 5 }],
    [{ amount: 0.01, price: 0.01 }, { amount: 0.01, credits: 1, price: 0.01, discount_percent: 0 }],
  ])('an admin PUT %j defines the package %j', async (body, expected) => {
    const id = pkgId();
    const put = await api('PUT', `/v1/admin/packages/${id}`, { key: 'admin', body: { ...body, active: false } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ id, currency: 'USD', ...expected });
  });

  it.each([
    [{ amount: 10, credits: 1_000, price: 9 }],
    [{ price: 9 }],
    [{ amount: 10.001, price: 9 }],
  ])('refuses %j with a 400 on amount, writing nothing', async (body) => {
    const id = pkgId();
    const put = await api('PUT', `/v1/admin/packages/${id}`, { key: 'admin', body });
    expectErrorBody(put, 400, 'validation_failed');
    expect(put.body.error.details.field).toBe('amount');
    expect(await db('packages').where({ id }).first()).toBeUndefined();
  });
});

describe('the balance as money and publisher earnings use the same unit price', () => {
  it('GET /v1/credits/balance adds the balance valued in the credit currency', async () => {
    const account = await newAccount('free');
    await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { account_id: account.id, amount: 42.5, description: 'top-up' } });
    const balance = await api('GET', '/v1/credits/balance', { key: account.key });
    expect(balance.body.data).toEqual({ balance: 142.5, currency: 'CREDITS', held: 0, available: 142.5, balance_value: 1.425, value_currency: 'USD' });
  });

  it('values a publisher’s earned credits at the credit unit price', async () => {
    const publisher = await api('POST', '/v1/admin/publishers', { key: 'admin', body: { name: `Earner ${pkgId()}` } });
    const tool = `earn.${pkgId()}`;
    await api('PUT', `/v1/admin/tools/${tool}`, { key: 'admin', body: { credits_per_execution: 5, publisher_id: publisher.body.id } });
    const account = await newAccount('pro');
    expect((await api('POST', '/v1/usage', { key: account.key, body: { items: [{ type: 'tool', tool, quantity: 3 }] } })).status).toBe(201);
    const earnings = await api('GET', '/v1/publisher/earnings', { key: publisher.body.api_key });
    // 15 credits spent, 80% earned = 12 credits, worth 12 × $0.01
    expect(earnings.body.tools).toEqual([{ tool, executions: 3, credits_spent: 15, credits_earned: 12, revenue: 0.12 }]);
    expect(earnings.body.earnings).toMatchObject({ total_earned: 0.12, currency: 'usd' });
  });
});

describe('demo catalog', () => {
  it('has the well-known models and the seed tools, marked as demo prices', async () => {
    const models = (await api('GET', '/v1/models')).body.availableBaseModels;
    expect(models.find((m: any) => m.name === 'claude-sonnet')).toMatchObject({
      provider: 'anthropic',
      creditInputPer1M: 300,
      creditOutputPer1M: 1500,
      creditCacheWritePer1M: 375,
      creditCacheReadPer1M: 30,
      priced: true,
      demo: true,
    });
    expect(models.find((m: any) => m.name === 'claude-sonnet')).not.toHaveProperty('providerCost');
    for (const model of DEMO_MODELS) expect(models.map((m: any) => m.name)).toContain(model.name);
    const account = await newAccount();
    const tools = (await api('GET', '/v1/tools', { key: account.key })).body.data;
    for (const tool of DEMO_TOOLS) expect(tools).toContainEqual(expect.objectContaining({ id: tool.id, credits_per_execution: tool.credits, demo: true }));
  });

  it('is added only where missing, and an admin PUT makes a demo row a real one', async () => {
    expect(await seedDemoCatalog(db)).toBe(0);
    const id = `demo.${pkgId()}`;
    await db('tools').insert({ id, credits_per_execution: 1_000_000, demo: true });
    const put = await api('PUT', `/v1/admin/tools/${id}`, { key: 'admin', body: { credits_per_execution: 4 } });
    expect(put.body).toMatchObject({ id, credits_per_execution: 4, demo: false });
  });
});
