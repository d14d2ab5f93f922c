import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newModel, newTool, useTool } from '../factories/accounts';

const db = testDb();
afterAll(() => db.destroy());

describe('metering and reports', () => {
  it('prices an agent run with the 20% markup as its own line, and explains it afterwards (seed 002)', async () => {
    const account = await newAccount('pro');
    const [llm, search, database] = [await newTool(0.5), await newTool(0.1), await newTool(0.2)];
    const run = await api('POST', '/v1/usage', {
      key: account.key,
      body: { agent: 'researcher', task_id: 'task-1', markup: 'agent', items: [llm, search, database].map((tool) => ({ type: 'tool', tool })) },
    });
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ credits_used: 0.96, markup_credits: 0.16, balance_after: 9999.04 });
    expect(run.body.breakdown.map((line: any) => [line.type, line.credits])).toEqual([['tool', 0.5], ['tool', 0.1], ['tool', 0.2], ['markup', 0.16]]);

    const detail = await api('GET', `/v1/usage/${run.body.id}`, { key: account.key });
    expect(detail.body).toMatchObject({ id: run.body.id, creditsUsed: 0.96, markup_credits: 0.16, agent: 'researcher', task_id: 'task-1' });
    const ledgerStep = detail.body.trace.at(-1);
    expect(ledgerStep).toMatchObject({ type: 'ledger', amount: -0.96, balance_after: 9999.04 });
    expect(ledgerStep.funded_by).toEqual([{ grant_id: expect.stringMatching(/^grt_/), credits: 0.96 }]);
  });

  it('prices model tokens from per-1M rates and records tokens and provider cost (seed 001)', async () => {
    const account = await newAccount('pro');
    const model = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15, creditCacheReadPer1M: 0.3, providerCost: { inputPer1M: 3, outputPer1M: 15 } });
    const free = await newModel({ creditInputPer1M: null, creditOutputPer1M: null });
    const call = await api('POST', '/v1/usage', {
      key: account.key,
      body: { items: [{ type: 'model', model, input_tokens: 10_000, output_tokens: 2_000, cache_read_tokens: 100_000 }, { type: 'model', model: free, input_tokens: 1_000_000 }] },
    });
    expect(call.status).toBe(201);
    expect(call.body.credits_used).toBe(0.09); // 0.03 + 0.03 + 0.03
    const detail = await api('GET', `/v1/usage/${call.body.id}`, { key: account.key });
    expect(detail.body.tokens).toEqual({ input: 1_010_000, output: 2_000, cacheWrite: 0, cacheRead: 100_000, total: 1_112_000 });
    expect(detail.body).not.toHaveProperty('provider_cost_usd'); // the operator's margin (issue 11)
    expect((await api('GET', `/v1/usage/${call.body.id}`, { key: 'admin' })).body.provider_cost_usd).toBe(0.06);
    const subscription = await api('GET', '/v1/subscription', { key: account.key });
    expect(subscription.body.usage.totalTokensUsed).toBe(1_112_000);
  });

  it('groups usage history by tool, day, agent and model with filters (seed 000)', async () => {
    const account = await newAccount('pro');
    const [cheap, dear] = [await newTool(1), await newTool(2)];
    for (let i = 0; i < 3; i++) await useTool(account, dear, { agent: 'a' });
    await useTool(account, cheap, { agent: 'b' });
    const byTool = await api('GET', '/v1/billing/usage?group_by=tool', { key: account.key });
    expect(byTool.body).toEqual({
      usage: [
        { tool: dear, executions: 3, credits_used: 6, avg_credits_per_call: 2 },
        { tool: cheap, executions: 1, credits_used: 1, avg_credits_per_call: 1 },
      ],
      total_executions: 4,
      total_credits: 7,
      total_charged: 7,
    });
    const byAgent = await api('GET', '/v1/billing/usage?group_by=agent&agent=b', { key: account.key });
    expect(byAgent.body.usage).toEqual([{ agent: 'b', executions: 1, credits_used: 1, avg_credits_per_call: 1 }]);
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await api('GET', `/v1/billing/usage?group_by=day&start_date=${today}&end_date=${today}`, { key: account.key });
    expect(byDay.body.usage).toEqual([{ day: today, executions: 4, credits_used: 7, avg_credits_per_call: 1.75 }]);
    const none = await api('GET', '/v1/billing/usage?start_date=2020-01-01&end_date=2020-01-02', { key: account.key });
    expect(none.body).toMatchObject({ usage: [], total_executions: 0, total_credits: 0 });
  });

  it('pages transactions with balance_after, newest first (seed 004)', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1);
    for (let i = 0; i < 5; i++) await useTool(account, tool);
    const page = await api('GET', '/v1/credits/transactions?limit=2&offset=1', { key: account.key });
    expect(page.body.meta).toEqual({ total: 6, limit: 2, offset: 1 });
    expect(page.body.data.map((t: any) => [t.type, t.amount, t.balance_after])).toEqual([['usage', -1, 96], ['usage', -1, 97]]);
    const all = await api('GET', '/v1/credits/transactions?limit=100', { key: account.key });
    expect(all.body.data.at(-1)).toMatchObject({ type: 'grant', amount: 100, balance_after: 100 });
  });

  it('streams a CSV statement whose rows add up to the ledger (seed 003)', async () => {
    const account = await newAccount('free');
    const tool = await newTool(2.5);
    for (let i = 0; i < 4; i++) await useTool(account, tool);
    await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { account_id: account.id, amount: 10, description: 'Goodwill, "thanks"' } });
    const csv = await api('GET', '/v1/statements.csv', { key: account.key });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const [header, ...rows] = csv.text.trim().split('\n');
    expect(header).toBe('id,seq,unit,type,effective_at,created_at,description,reference,amount,overage,balance_after');
    const credits = rows.filter((row) => row.split(',')[2] === 'credits');
    expect(credits).toHaveLength(6);
    const amounts = credits.map((row) => Number(row.split(',').at(-3)));
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Number(credits.at(-1)!.split(',').at(-1))).toBe(100);
    expect(csv.text).toContain('"Goodwill, ""thanks"""');
    await expectLedgerInvariants(db, account.id);
  });

  it('summarises the period by tool and model (seed 004)', async () => {
    const account = await newAccount('pro');
    const tool = await newTool(4);
    await useTool(account, tool);
    const summary = await api('GET', '/v1/credits/usage-summary', { key: account.key });
    expect(summary.body.data).toMatchObject({ used: 4, included: 10000, remaining: 9996, overage: 0, by_tool: [{ tool, executions: 1, credits: 4 }], by_model: [] });
  });
});

describe('vouchers, deposits, grants and tokens', () => {
  it('redeems a multi-use voucher once per account; expired and exhausted codes are refused', async () => {
    const voucher = await api('POST', '/v1/admin/vouchers', { key: 'admin', body: { credits: 15, max_redemptions: 2 } });
    expect(voucher.status).toBe(201);
    const [a, b, c] = [await newAccount(), await newAccount(), await newAccount()];
    const first = await api('POST', '/v1/credits/vouchers/redeem', { key: a.key, body: { code: voucher.body.code.toLowerCase() } });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ credits_added: 15, transaction: { type: 'voucher', amount: 15, balance_after: 115 } });
    expect((await api('POST', '/v1/credits/vouchers/redeem', { key: a.key, body: { code: voucher.body.code } })).status).toBe(409);
    expect((await api('POST', '/v1/credits/vouchers/redeem', { key: b.key, body: { code: voucher.body.code } })).status).toBe(201);
    const exhausted = await api('POST', '/v1/credits/vouchers/redeem', { key: c.key, body: { code: voucher.body.code } });
    expect(exhausted.status).toBe(409);
    expect((await api('POST', '/v1/credits/vouchers/redeem', { key: c.key, body: { code: 'NOPE-NOPE' } })).status).toBe(404);
    await db('vouchers').insert({ id: 'vch_expiredtest', code: 'EXPIRED-1', credits: 1_000_000, max_redemptions: 5, expires_at: new Date(Date.now() - 1000) });
    const expired = await api('POST', '/v1/credits/vouchers/redeem', { key: c.key, body: { code: 'EXPIRED-1' } });
    expect(expired.status).toBe(400);
    for (const account of [a, b, c]) await expectLedgerInvariants(db, account.id);
  });

  it('burns promotional grants before purchased ones, and soon-expiring before later ones', async () => {
    const account = await newAccount('free');
    const tool = await newTool(100); // spends the 100 included credits
    await useTool(account, tool);
    const soon = new Date(Date.now() + 86_400_000).toISOString();
    await api('POST', '/v1/admin/grants', { key: 'admin', body: { account_id: account.id, amount: 5, kind: 'purchased' } });
    const promo = await api('POST', '/v1/admin/grants', { key: 'admin', body: { account_id: account.id, amount: 5, kind: 'promotional', expires_at: soon } });
    const small = await newTool(3);
    const used = await useTool(account, small);
    const detail = await api('GET', `/v1/usage/${used.body.id}`, { key: account.key });
    expect(detail.body.trace.at(-1).funded_by).toEqual([{ grant_id: promo.body.data.grant.id, credits: 3 }]);
    await expectLedgerInvariants(db, account.id);
  });

  it('replays an admin deposit with the same key, and refuses the key with another body', async () => {
    const account = await newAccount('free');
    const body = { account_id: account.id, amount: 12.345678, description: 'x' };
    const first = await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body, headers: { 'Idempotency-Key': 'dep-1' } });
    const again = await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body, headers: { 'Idempotency-Key': 'dep-1' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { ...body, amount: 1 }, headers: { 'Idempotency-Key': 'dep-1' } });
    expect(other.status).toBe(409);
    const balance = await api('GET', '/v1/credits/balance', { key: account.key });
    // at the default credit unit price of $0.01, the balance's value in money
    expect(balance.body).toEqual({ data: { balance: 112.345678, currency: 'CREDITS', held: 0, available: 112.345678, balance_value: 1.12345678, value_currency: 'USD' } });
  });

  it('keeps tokens as a second unit with the same rules (seed 004)', async () => {
    const account = await newAccount('free');
    expect((await api('GET', '/v1/tokens/balance', { key: account.key })).body).toEqual({ data: { balance: 10_000, unit: 'tokens' } });
    const consumed = await api('POST', '/v1/tokens/consume', { key: account.key, body: { amount: 9_000, description: 'LLM' } });
    expect(consumed.status).toBe(201);
    expect(consumed.body.data).toMatchObject({ type: 'debit', amount: -9_000, balance_after: 1_000, unit: 'tokens' });
    const refused = await api('POST', '/v1/tokens/consume', { key: account.key, body: { amount: 1_001 } });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'insufficient_tokens', details: { tokens_required: 1_001, tokens_available: 1_000 } });
    await api('POST', '/v1/admin/tokens/grant', { key: 'admin', body: { account_id: account.id, amount: 5_000 } });
    const history = await api('GET', '/v1/tokens/transactions', { key: account.key });
    expect(history.body.data.map((t: any) => t.balance_after)).toEqual([6_000, 1_000, 10_000]);
    const plans = await api('GET', '/v1/tokens/plans');
    expect(plans.body.data).toEqual(expect.arrayContaining([{ id: 'free', name: 'Free', tokens_per_month: 10_000 }]));
    await expectLedgerInvariants(db, account.id);
  });

  it('serves the public catalog in the seed shapes', async () => {
    const packages = await api('GET', '/v1/credits/packages');
    expect(packages.body.data).toEqual([
      { id: 'starter', amount: 25, price: 25, currency: 'USD', credits: 2_500, discount_percent: 0 },
      { id: 'pro', amount: 100, price: 90, currency: 'USD', credits: 10_000, discount_percent: 10 },
      { id: 'teams', amount: 500, price: 400, currency: 'USD', credits: 50_000, discount_percent: 20 },
    ]);
    const plans = await api('GET', '/v1/plans');
    expect(plans.body.availablePlans.find((p: any) => p.id === 'pro')).toMatchObject({ monthlyPrice: 49, creditsIncluded: 10000, tokensIncluded: 2_000_000, overageAllowed: true });
    await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15 });
    const models = await api('GET', '/v1/models');
    expect(models.body.availableBaseModels[0]).toHaveProperty('creditCacheWritePer1M');
  });
});

describe('late usage and periods', () => {
  it('accepts a timestamp inside the open period and refuses the future and closed periods', async () => {
    const account = await newAccount('pro', { period_start: new Date(Date.now() - 40 * 86_400_000).toISOString() });
    const tool = await newTool(1);
    const periodStart = (await db('accounts').where({ id: account.id }).first()).period_start as Date;
    const inside = new Date(periodStart.getTime() + 3_600_000).toISOString();
    expect((await useTool(account, tool, { timestamp: inside })).status).toBe(201);
    const before = new Date(periodStart.getTime() - 1).toISOString();
    const closed = await useTool(account, tool, { timestamp: before });
    expect(closed.status).toBe(400);
    expect(closed.body.error.details.field).toBe('timestamp');
    const future = await useTool(account, tool, { timestamp: new Date(Date.now() + 86_400_000).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body.error.details.field).toBe('timestamp');
  });
});
