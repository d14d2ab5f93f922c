import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newTool, useTool } from '../factories/accounts';

const db = testDb();
afterAll(() => db.destroy());

describe('debits under concurrency (over HTTP)', () => {
  it('50 concurrent debits of 7 on a Free account holding 100: 14 succeed, balance 2, 36 get the 402 body', async () => {
    const account = await newAccount('free');
    const tool = await newTool(7);
    const responses = await Promise.all(Array.from({ length: 50 }, () => useTool(account, tool)));
    const ok = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 402);
    expect(ok).toHaveLength(14);
    expect(refused).toHaveLength(36);
    for (const response of refused) {
      expect(response.body.error).toMatchObject({
        code: 'insufficient_credits',
        message: 'Not enough credits to execute this tool',
        details: { credits_required: 7, credits_available: 2, tool },
      });
    }
    expect(ok.map((r) => r.body.balance_after).sort((a, b) => a - b)).toEqual([2, 9, 16, 23, 30, 37, 44, 51, 58, 65, 72, 79, 86, 93]);
    const balance = await api('GET', '/v1/billing/credits', { key: account.key });
    expect(balance.body).toMatchObject({ credits: 2, used_this_period: 98, included_credits: 100, plan: 'free' });
    expect(await db('usage_events').where({ account_id: account.id }).count()).toEqual([{ count: '14' }]);
    await expectLedgerInvariants(db, account.id);
  });

  it('10 concurrent requests with one idempotency key: one ledger entry, identical responses', async () => {
    const account = await newAccount('free');
    const tool = await newTool(3);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => useTool(account, tool, { agent: 'bot' }, { 'Idempotency-Key': 'same-key-1' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect([...new Set(responses.map((r) => r.text))]).toEqual([responses[0]!.text]);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    const entries = await db('ledger_entries').where({ account_id: account.id, type: 'usage' });
    expect(entries).toHaveLength(1);
    await expectLedgerInvariants(db, account.id);
  });

  it('the same key with a different body is a 409 and writes nothing', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1);
    const other = await newTool(2);
    expect((await useTool(account, tool, {}, { 'Idempotency-Key': 'k' })).status).toBe(201);
    const conflict = await useTool(account, other, {}, { 'Idempotency-Key': 'k' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_conflict');
    expect(await db('ledger_entries').where({ account_id: account.id, type: 'usage' })).toHaveLength(1);
  });

  it('a key in the body works like the header, and a 402 can be retried with the same key after a top-up', async () => {
    const account = await newAccount('free');
    const tool = await newTool(150);
    const refused = await useTool(account, tool, { idempotency_key: 'retry-me' });
    expect(refused.status).toBe(402);
    const deposit = await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { account_id: account.id, amount: 100, description: 'top-up' } });
    expect(deposit.status).toBe(201);
    const accepted = await useTool(account, tool, { idempotency_key: 'retry-me' });
    expect(accepted.status).toBe(201);
    expect(accepted.body.balance_after).toBe(50);
    await expectLedgerInvariants(db, account.id);
  });

  it('Pro overage: usage beyond the grants is recorded as overage, never a negative balance', async () => {
    const account = await newAccount('pro');
    const tool = await newTool(6000);
    const first = await useTool(account, tool);
    const second = await useTool(account, tool);
    expect(first.body).toMatchObject({ credits_used: 6000, balance_after: 4000, overage_credits: 0 });
    expect(second.body).toMatchObject({ credits_used: 6000, balance_after: 0, overage_credits: 2000 });
    const balance = await api('GET', '/v1/billing/credits', { key: account.key });
    expect(balance.body).toMatchObject({ credits: 0, used_this_period: 12000, overage_this_period: 2000 });
    const subscription = await api('GET', '/v1/subscription', { key: account.key });
    expect(subscription.body.usage).toMatchObject({ creditsUsed: 12000, creditsLimit: 10000, percentUsed: 120 });
    await expectLedgerInvariants(db, account.id);
  });

  it('Free allows one agent', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1);
    expect((await useTool(account, tool, { agent: 'first' })).status).toBe(201);
    expect((await useTool(account, tool, { agent: 'first' })).status).toBe(201);
    const second = await useTool(account, tool, { agent: 'second' });
    expect(second.status).toBe(402);
    expect(second.body.error.code).toBe('agent_limit_reached');
    const pro = await newAccount('pro');
    for (const agent of ['a', 'b', 'c']) expect((await useTool(pro, tool, { agent })).status).toBe(201);
  });
});
