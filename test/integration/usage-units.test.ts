import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newModel, newTool } from '../factories/accounts';
import { usageBreakdownsOf } from '../../src/reports/transaction-breakdowns';

/** Issue 15: models per minute and per image, aliases, transactions with breakdowns, agent markup per plan and account. */
const db = testDb();
afterAll(() => db.destroy());

const usage = (key: string, body: Record<string, unknown>) => api('POST', '/v1/usage', { key, body });

describe('models priced per audio minute and per image (seed 002)', () => {
  it('meters minutes and images, records them line by line, and shows the rates in the catalog', async () => {
    const account = await newAccount('pro');
    const speech = await newModel({ provider: 'openai', creditInputPer1M: null, creditOutputPer1M: null, creditPerMinute: 0.6, providerCost: { inputPer1M: 0, outputPer1M: 0, perMinute: 0.006 } });
    const vision = await newModel({ provider: 'openai', creditInputPer1M: 3, creditOutputPer1M: 15, creditPerImage: 0.25 });
    const used = await usage(account.key, {
      items: [
        { type: 'model', model: speech, minutes: 12.5 },
        { type: 'model', model: vision, images: 4, input_tokens: 1_000_000 },
      ],
    });
    expect(used.status).toBe(201);
    expect(used.body.credits_used).toBe(11.5); // 12.5 × 0.6 + 4 × 0.25 + 3
    expect(used.body.breakdown).toEqual([
      { type: 'model', model: speech, provider: 'openai', input_tokens: 0, output_tokens: 0, cache_write_tokens: 0, cache_read_tokens: 0, minutes: 12.5, credits: 7.5 },
      { type: 'model', model: vision, provider: 'openai', input_tokens: 1_000_000, output_tokens: 0, cache_write_tokens: 0, cache_read_tokens: 0, images: 4, credits: 4 },
    ]);
    const lines = await db('usage_items').where({ usage_event_id: used.body.id }).orderBy('position');
    expect(lines.map((line: any) => [line.milli_minutes, line.images, line.credits, line.provider_cost])).toEqual([
      ['12500', '0', '7500000', '75000'],
      ['0', '4', '4000000', '0'],
    ]);
    const operator = await api('GET', `/v1/usage/${used.body.id}`, { key: 'admin' });
    expect(operator.body.provider_cost_usd).toBe(0.075);

    const models = await api('GET', '/v1/models', { key: account.key });
    const listed = models.body.availableBaseModels.find((m: { name: string }) => m.name === speech);
    expect(listed).toMatchObject({ creditPerMinute: 0.6, creditPerImage: null, priced: true });
    expect(listed).not.toHaveProperty('providerCost');
    const asAdmin = await api('GET', '/v1/models', { key: 'admin' });
    expect(asAdmin.body.availableBaseModels.find((m: { name: string }) => m.name === speech).providerCost).toEqual({ inputPer1M: 0, outputPer1M: 0, perMinute: 0.006 });
    await expectLedgerInvariants(db, account.id);
  });

  it('refuses a unit the model is not priced in, bad minutes and images, and writes nothing', async () => {
    const account = await newAccount('pro');
    const tokensOnly = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15 });
    const free = await newModel({ creditInputPer1M: null, creditOutputPer1M: null });
    const before = await db('ledger_entries').where({ account_id: account.id }).count();
    const notPriced = await usage(account.key, { items: [{ type: 'model', model: tokensOnly, minutes: 3 }] });
    expectErrorBody(notPriced, 400, 'validation_failed');
    expect(notPriced.body.error.details).toEqual({ field: 'items.0.minutes' });
    expectErrorBody(await usage(account.key, { items: [{ type: 'model', model: tokensOnly, images: 1 }] }), 400, 'validation_failed');
    for (const bad of [{ minutes: 1.2345 }, { minutes: -1 }, { minutes: '3' }, { images: 1.5 }, { images: -2 }, { images: 2_000_000 }]) {
      expectErrorBody(await usage(account.key, { items: [{ type: 'model', model: tokensOnly, ...bad }] }), 400, 'validation_failed');
    }
    expect(await db('ledger_entries').where({ account_id: account.id }).count()).toEqual(before);
    // a model with no rates at all stays free (seed 001), whatever it is sent
    const gratis = await usage(account.key, { items: [{ type: 'model', model: free, minutes: 10, images: 3 }] });
    expect([gratis.status, gratis.body.credits_used]).toEqual([201, 0]);
  });

  it('resolves model aliases to the model’s rates, and a name wins over another model’s alias', async () => {
    const account = await newAccount('pro');
    const suffix = account.id.slice(-8);
    const canonical = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15, aliases: [`sonnet-latest-${suffix}`, `sonnet-${suffix}`] });
    const rival = await newModel({ creditInputPer1M: 100, creditOutputPer1M: 100 });
    // `rival` claims canonical's name as an alias: the real name keeps its own rates
    expect((await api('PUT', `/v1/admin/models/${rival}`, { key: 'admin', body: { provider: 'anthropic', creditInputPer1M: 100, creditOutputPer1M: 100, aliases: [canonical] } })).status).toBe(200);
    const byAlias = await usage(account.key, { items: [{ type: 'model', model: `sonnet-latest-${suffix}`, input_tokens: 1_000_000 }] });
    expect(byAlias.status).toBe(201);
    expect(byAlias.body.credits_used).toBe(3);
    expect(byAlias.body.breakdown[0]).toMatchObject({ model: canonical, credits: 3 }); // recorded under the canonical name
    const byName = await usage(account.key, { items: [{ type: 'model', model: canonical, output_tokens: 1_000_000 }] });
    expect(byName.body.credits_used).toBe(15);
    const grouped = await api('GET', '/v1/billing/usage?group_by=model', { key: account.key });
    expect(grouped.body.usage).toEqual([{ model: canonical, executions: 2, credits_used: 18, avg_credits_per_call: 9 }]);
    expectErrorBody(await usage(account.key, { items: [{ type: 'model', model: `unknown-${suffix}`, input_tokens: 1 }] }), 400, 'validation_failed');
  });
});

describe('transactions with breakdowns (seed 002)', () => {
  it('expand=breakdown gives each usage entry its lines, other entries none, in a constant number of queries', async () => {
    const account = await newAccount('pro');
    const tool = await newTool(2);
    const model = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15, providerCost: { inputPer1M: 2, outputPer1M: 10 } });
    const runs = [];
    for (let i = 0; i < 5; i += 1) {
      runs.push(await usage(account.key, { markup: i === 0 ? 'agent' : undefined, items: [{ type: 'tool', tool, quantity: i + 1 }, { type: 'model', model, input_tokens: 10_000 * (i + 1) }] }));
    }
    await api('POST', '/v1/credits/debit', { key: account.key, body: { amount: 1, description: 'plain' } });
    const plain = await api('GET', '/v1/credits/transactions?limit=10', { key: account.key });
    expect(plain.body.data.every((t: object) => !('breakdown' in t))).toBe(true);
    const expanded = await api('GET', '/v1/credits/transactions?limit=10&expand=breakdown', { key: account.key });
    expect(expanded.status).toBe(200);
    const [debit, ...rest] = expanded.body.data;
    expect(debit).toMatchObject({ type: 'debit', amount: -1 });
    expect(debit).not.toHaveProperty('breakdown');
    const usageRows = rest.filter((t: { type: string }) => t.type === 'usage');
    expect(usageRows).toHaveLength(5);
    for (const row of usageRows) {
      const run = runs.find((r) => r.body.transaction_id === row.id)!;
      expect(row.breakdown).toEqual(run.body.breakdown);
      expect(row.breakdown[1]).not.toHaveProperty('provider_cost_usd'); // customers never see provider costs
    }
    expect(usageRows.at(-1).breakdown).toEqual([
      { type: 'tool', tool, quantity: 1, credits_per_execution: 2, credits: 2 },
      { type: 'model', model, provider: 'anthropic', input_tokens: 10_000, output_tokens: 0, cache_write_tokens: 0, cache_read_tokens: 0, credits: 0.03 },
      { type: 'markup', description: 'Agent markup (20%)', credits: 0.406 },
      { type: 'rounding', description: 'Rounded to 0.01 credit (half-up)', credits: 0.004 },
    ]);
    expectErrorBody(await api('GET', '/v1/credits/transactions?expand=everything', { key: account.key }), 400, 'validation_failed');

    // the page's breakdowns are read in one query, whatever the page size (no query per row)
    const entries = await db('ledger_entries').where({ account_id: account.id, unit: 'credits' }).orderBy('seq', 'desc');
    const queries: string[] = [];
    const count = (query: { sql: string }) => queries.push(query.sql);
    db.on('query', count);
    try {
      const breakdowns = await usageBreakdownsOf(db, account.id, entries);
      expect([...breakdowns.keys()].sort()).toEqual(runs.map((r) => r.body.id).sort());
    } finally {
      db.off('query', count);
    }
    expect(queries).toHaveLength(1);
  });
});

describe('agent markup per plan, overridable per account (seed 002)', () => {
  it('a plan sets the markup, an account override wins, null returns to the plan’s; the default is 20%', async () => {
    const planId = `markup-${Date.now().toString(36)}`;
    const plan = await api('PUT', `/v1/admin/plans/${planId}`, { key: 'admin', body: { name: 'Markup plan', monthly_price: 0, included_credits: 1000, overage_allowed: false, agent_markup: 0.35 } });
    expect(plan.status).toBe(200);
    expect(plan.body.agentMarkup).toBe(0.35);
    const pro = (await api('GET', '/v1/plans')).body.availablePlans.find((p: { id: string }) => p.id === 'pro');
    expect(pro.agentMarkup).toBe(0.2);

    const account = await newAccount(planId);
    const tool = await newTool(0.8);
    const run = () => usage(account.key, { markup: 'agent', items: [{ type: 'tool', tool }] });
    const onPlan = await run();
    expect([onPlan.body.markup_credits, onPlan.body.credits_used]).toEqual([0.28, 1.08]);
    expect(onPlan.body.breakdown.at(-1)).toEqual({ type: 'markup', description: 'Agent markup (35%)', credits: 0.28 });

    const override = await api('PUT', `/v1/admin/accounts/${account.id}/agent-markup`, { key: 'admin', body: { agent_markup: 0.125 } });
    expect(override.body).toEqual({ account_id: account.id, plan: planId, agent_markup: 0.125, plan_agent_markup: 0.35, account_agent_markup: 0.125 });
    expect((await run()).body).toMatchObject({ markup_credits: 0.1, credits_used: 0.9 });

    await api('PUT', `/v1/admin/accounts/${account.id}/agent-markup`, { key: 'admin', body: { agent_markup: null } });
    expect((await api('GET', `/v1/admin/accounts/${account.id}/agent-markup`, { key: 'admin' })).body).toMatchObject({ agent_markup: 0.35, account_agent_markup: null });
    expect((await run()).body.credits_used).toBe(1.08);

    const onPro = await newAccount('pro');
    expect((await usage(onPro.key, { markup: 'agent', items: [{ type: 'tool', tool }] })).body).toMatchObject({ markup_credits: 0.16, credits_used: 0.96 });

    for (const bad of [{ agent_markup: -0.1 }, { agent_markup: 11 }, { agent_markup: 0.00001 }, { agent_markup: '0.2' }, {}]) {
      expectErrorBody(await api('PUT', `/v1/admin/accounts/${account.id}/agent-markup`, { key: 'admin', body: bad }), 400, 'validation_failed');
    }
    expectErrorBody(await api('PUT', '/v1/admin/accounts/acct_nosuchaccount/agent-markup', { key: 'admin', body: { agent_markup: 0.1 } }), 404, 'not_found');
    expect((await api('PUT', `/v1/admin/accounts/${account.id}/agent-markup`, { key: account.key, body: { agent_markup: 0 } })).status).toBe(403);
    await expectLedgerInvariants(db, account.id);
  });
});
