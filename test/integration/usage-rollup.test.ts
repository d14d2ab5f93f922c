import crypto from 'node:crypto';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, newTool } from '../factories/accounts';
import { rollUpUsageStep, SETTLE_LAG_MS } from '../../src/credits/usage-rollup';

/**
 * Issue 14: usage reports read the daily rollup plus the rows not rolled up yet. Usage recorded
 * over HTTP (concurrent writes, late usage for an earlier day) in a month of its own (an account
 * migrated with a period far in the past, as in margin-report.test.ts); the reports equal a
 * hand-computed fixture before the rollup, after it, and after late usage and another rollup.
 * The sweep is called directly with `now` moved past the settle lag instead of waiting for it.
 */
const db = testDb();
afterAll(() => db.destroy());

/** Every pass until caught up, as if the settle lag had passed for everything recorded so far. */
async function rollUpEverything(batch: number): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ now: Date }> }>('select now()');
  const now = new Date(rows[0]!.now.getTime() + SETTLE_LAG_MS);
  let events = 0;
  for (;;) {
    const step = await rollUpUsageStep(db, { batch, now });
    events += step.events;
    if (step.events === 0) return events;
  }
}

const putModel = async (provider: string, body: Record<string, unknown>) => {
  const name = `rollup-${crypto.randomUUID().slice(0, 8)}`;
  const response = await api('PUT', `/v1/admin/models/${name}`, { key: 'admin', body: { provider, ...body } });
  if (response.status !== 200) throw new Error(`model: ${response.status} ${response.text}`);
  return name;
};

/** The account's rollup rows, key and sums, in a stable order. */
const rollupRows = (accountId: string) =>
  db('usage_daily').where({ account_id: accountId }).select(db.raw("to_char(day, 'YYYY-MM-DD') as day"), 'kind', 'agent', 'tool', 'model', 'provider', 'lines', 'quantity', 'credits', 'provider_cost', 'markup')
    .orderBy(['day', 'kind', 'agent', 'tool', 'model']);

describe('usage rollup (issue 14)', () => {
  it('answers the usage reports exactly from the rollup plus the rows not rolled up, whatever the watermark', async () => {
    const year = 1200 + crypto.randomInt(600);
    const month = `${year}-05`;
    const account = await newAccount('pro', { period_start: `${month}-01T00:00:00Z` });
    const tool = await newTool(2);
    const llmProvider = `llm-${crypto.randomUUID().slice(0, 6)}`;
    const mediaProvider = `media-${crypto.randomUUID().slice(0, 6)}`;
    // credits per 1M tokens, per minute, per image; provider USD likewise
    const llm = await putModel(llmProvider, { creditInputPer1M: 100, creditOutputPer1M: 200, creditCacheWritePer1M: 50, creditCacheReadPer1M: 10, providerCost: { inputPer1M: 1, outputPer1M: 2 } });
    const speech = await putModel(mediaProvider, { creditInputPer1M: null, creditOutputPer1M: null, creditPerMinute: 1, providerCost: { inputPer1M: 0, outputPer1M: 0, perMinute: 0.5 } });
    const vision = await putModel(mediaProvider, { creditInputPer1M: null, creditOutputPer1M: null, creditPerImage: 2, providerCost: { inputPer1M: 0, outputPer1M: 0, perImage: 0.5 } });
    const use = async (at: string, body: Record<string, unknown>) => {
      const used = await api('POST', '/v1/usage', { key: account.key, body: { ...body, timestamp: `${month}-${at}Z` } });
      expect(used.status).toBe(201);
    };

    // day 03: 6 credits (tool ×3), then 2 credits (llm: 1 + 1; $0.02)
    await use('03T10:00:00', { items: [{ type: 'tool', tool, quantity: 3 }] });
    await use('03T23:30:00', { items: [{ type: 'model', model: llm, input_tokens: 10_000, output_tokens: 5_000 }] });
    // days 10 and 11 concurrently: an agent run (tool 2 + llm 2 = 4, + 20% = 4.8; $0.02), speech
    // 2.5 ($1.25), vision 6 ($1.5) and agent b's tool ×2 = 4
    await Promise.all([
      use('10T12:00:00', { agent: 'a', markup: 'agent', items: [{ type: 'tool', tool }, { type: 'model', model: llm, input_tokens: 20_000 }] }),
      use('10T12:30:00', { items: [{ type: 'model', model: speech, minutes: 2.5 }] }),
      use('10T14:00:00', { items: [{ type: 'model', model: vision, images: 3 }] }),
      use('11T09:00:00', { agent: 'b', items: [{ type: 'tool', tool, quantity: 2 }] }),
    ]);

    const reports = async () => {
      const get = async (path: string, key: string) => {
        const response = await api('GET', path, { key });
        expect(response.status).toBe(200);
        return response.body;
      };
      const usage = (query: string) => get(`/v1/billing/usage?${query}`, account.key);
      const margin = (groupBy: string) => get(`/v1/admin/reports/margin?period=${month}&group_by=${groupBy}`, 'admin');
      return {
        byTool: await usage('group_by=tool'),
        byModel: await usage('group_by=model'),
        byDay: await usage('group_by=day'),
        byAgent: await usage('group_by=agent'),
        agentA: await usage('group_by=tool&agent=a'),
        // partial days at both ends: day 03 from noon, day 10 until 13:00
        partial: await usage(`group_by=day&start_date=${month}-03T12:00:00Z&end_date=${month}-10T13:00:00Z`),
        wholeDays: await usage(`group_by=model&start_date=${month}-10&end_date=${month}-11`),
        summary: await get('/v1/credits/usage-summary', account.key),
        subscription: await get('/v1/subscription', account.key),
        marginByModel: await margin('model'),
        marginByProvider: await margin('provider'),
        marginByAccount: await margin('account'),
      };
    };

    const before = await reports();
    expect(before.byTool).toEqual({ usage: [{ tool, executions: 6, credits_used: 12, avg_credits_per_call: 2 }], total_executions: 6, total_credits: 12, total_charged: 25.3 });
    expect(before.byModel).toEqual({
      usage: [
        { model: vision, executions: 1, credits_used: 6, avg_credits_per_call: 6 },
        { model: llm, executions: 2, credits_used: 4, avg_credits_per_call: 2 },
        { model: speech, executions: 1, credits_used: 2.5, avg_credits_per_call: 2.5 },
      ],
      total_executions: 4, total_credits: 12.5, total_charged: 25.3,
    });
    expect(before.byDay).toEqual({
      usage: [
        { day: `${month}-10`, executions: 4, credits_used: 12.5, avg_credits_per_call: 3.125 },
        { day: `${month}-03`, executions: 4, credits_used: 8, avg_credits_per_call: 2 },
        { day: `${month}-11`, executions: 2, credits_used: 4, avg_credits_per_call: 2 },
      ],
      total_executions: 10, total_credits: 24.5, total_charged: 25.3,
    });
    expect(before.byAgent.usage).toEqual([
      { agent: '(none)', executions: 6, credits_used: 16.5, avg_credits_per_call: 2.75 },
      { agent: 'a', executions: 2, credits_used: 4, avg_credits_per_call: 2 },
      { agent: 'b', executions: 2, credits_used: 4, avg_credits_per_call: 2 },
    ]);
    expect(before.agentA).toEqual({ usage: [{ tool, executions: 1, credits_used: 2, avg_credits_per_call: 2 }], total_executions: 1, total_credits: 2, total_charged: 4.8 });
    expect(before.partial).toEqual({
      usage: [
        { day: `${month}-10`, executions: 3, credits_used: 6.5, avg_credits_per_call: 2.166667 },
        { day: `${month}-03`, executions: 1, credits_used: 2, avg_credits_per_call: 2 },
      ],
      total_executions: 4, total_credits: 8.5, total_charged: 9.3,
    });
    expect(before.wholeDays.total_charged).toBe(17.3); // days 10 and 11: 4.8 + 2.5 + 6 + 4
    expect(before.summary.data.by_model).toEqual(
      [
        { model: llm, calls: 2, input_tokens: 30_000, output_tokens: 5_000, cache_tokens: 0, credits: 4 },
        { model: speech, calls: 1, input_tokens: 0, output_tokens: 0, cache_tokens: 0, credits: 2.5 },
        { model: vision, calls: 1, input_tokens: 0, output_tokens: 0, cache_tokens: 0, credits: 6 },
      ].sort((a, b) => (a.model < b.model ? -1 : 1)),
    );
    expect(before.subscription.usage.totalTokensUsed).toBe(35_000);
    expect(before.marginByAccount.data).toEqual([expect.objectContaining({ account: account.id, calls: 6, credits: 25.3, provider_cost: 2.79 })]);
    expect(before.marginByAccount.totals).toMatchObject({ calls: 6, credits: 25.3, provider_cost: 2.79 });
    expect(before.marginByProvider.data).toEqual(
      [
        { provider: llmProvider, calls: 2, credits: 4, provider_cost: 0.04 },
        { provider: mediaProvider, calls: 2, credits: 8.5, provider_cost: 2.75 },
      ].sort((a, b) => (a.provider < b.provider ? -1 : 1)).map((row) => expect.objectContaining(row)),
    );

    // the rollup, a step of at most about two events at a time, twice at once: each event counted once
    const [first, second] = await Promise.all([rollUpEverything(2), rollUpEverything(2)]);
    expect(first + second).toBeGreaterThanOrEqual(6);
    const rolled = await rollupRows(account.id);
    expect(rolled.filter((row: any) => row.kind === 'event').map((row: any) => [row.day, row.agent, row.lines, row.credits, row.markup])).toEqual([
      [`${month}-03`, null, '2', '8000000', '0'],
      [`${month}-10`, 'a', '1', '4800000', '800000'],
      [`${month}-10`, null, '2', '8500000', '0'],
      [`${month}-11`, 'b', '1', '4000000', '0'],
    ]);
    expect(await reports()).toEqual(before);

    // run again: nothing is added twice
    expect(await rollUpEverything(1000)).toBe(0);
    expect(await rollupRows(account.id)).toEqual(rolled);

    // late usage for day 03 and day 10, read from raw rows next to the rollup, then rolled up too
    await Promise.all([
      use('03T08:00:00', { agent: 'a', items: [{ type: 'tool', tool }] }),
      use('10T11:00:00', { items: [{ type: 'model', model: llm, cache_write_tokens: 20_000, cache_read_tokens: 100_000 }] }),
    ]);
    const late = await reports();
    expect(late.byDay).toEqual({
      usage: [
        { day: `${month}-10`, executions: 5, credits_used: 14.5, avg_credits_per_call: 2.9 },
        { day: `${month}-03`, executions: 5, credits_used: 10, avg_credits_per_call: 2 },
        { day: `${month}-11`, executions: 2, credits_used: 4, avg_credits_per_call: 2 },
      ],
      total_executions: 12, total_credits: 28.5, total_charged: 29.3,
    });
    expect(late.byAgent.usage[1]).toEqual({ agent: 'a', executions: 3, credits_used: 6, avg_credits_per_call: 2 });
    expect(late.summary.data.by_model.find((row: any) => row.model === llm)).toEqual({ model: llm, calls: 3, input_tokens: 30_000, output_tokens: 5_000, cache_tokens: 120_000, credits: 6 });
    expect(late.subscription.usage.totalTokensUsed).toBe(155_000);
    expect(late.marginByAccount.totals).toMatchObject({ calls: 8, credits: 29.3, provider_cost: 2.79 });
    expect(late.partial.total_charged).toBe(11.3); // + the llm call at 10T11:00

    expect(await rollUpEverything(3)).toBeGreaterThanOrEqual(2);
    expect(await reports()).toEqual(late);
    const events = await db('usage_events').where({ account_id: account.id }).first(db.raw('count(*)::text as lines'), db.raw('sum(credits_charged)::text as credits'));
    const rolledEvents = await db('usage_daily').where({ account_id: account.id, kind: 'event' }).first(db.raw('sum(lines)::text as lines'), db.raw('sum(credits)::text as credits'));
    expect(rolledEvents).toEqual(events);
  });
});
