import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newModel, newTool } from '../factories/accounts';

/** Issue 15, tasks (seed 001's per-task creditsUsed, seed 002's running total per conversation). */
const db = testDb();
afterAll(() => db.destroy());

const usage = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => api('POST', '/v1/usage', { key, body, headers });

describe('tasks (over HTTP)', () => {
  it('a task sums its events: creditsUsed, tokens, events, first/last time and a breakdown by model and tool that adds up', async () => {
    const account = await newAccount('pro');
    const tool = await newTool(2);
    const model = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15, creditCacheWritePer1M: 3.75, creditCacheReadPer1M: 0.3 });
    const task = `conv-${account.id}`;
    const first = await usage(account.key, { task_id: task, timestamp: new Date(Date.now() - 60_000).toISOString(), items: [{ type: 'tool', tool, quantity: 3 }] });
    const second = await usage(account.key, {
      task_id: task,
      markup: 'agent',
      items: [{ type: 'model', model, input_tokens: 100_000, output_tokens: 10_000, cache_write_tokens: 1_000, cache_read_tokens: 20_000 }, { type: 'tool', tool }],
    });
    const third = await usage(account.key, { task_id: task, items: [{ type: 'model', model, input_tokens: 1_000, output_tokens: 1_000 }] });
    const elsewhere = await usage(account.key, { task_id: 'another-task', items: [{ type: 'tool', tool }] });
    await usage(account.key, { items: [{ type: 'tool', tool }] });
    for (const r of [first, second, third, elsewhere]) expect(r.status).toBe(201);
    // 6; (0.3 + 0.15 + 0.00375 + 0.006 = 0.45975 + 2) × 1.2 = 2.9517 → 2.95; 0.003 + 0.015 = 0.018 → 0.02
    expect([first, second, third].map((r) => r.body.credits_used)).toEqual([6, 2.95, 0.02]);
    expect([first, second, third].map((r) => r.body.task_total_credits)).toEqual([6, 8.95, 8.97]);
    expect(elsewhere.body.task_total_credits).toBe(2);

    const detail = await api('GET', `/v1/tasks/${task}`, { key: account.key });
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual({
      task_id: task,
      creditsUsed: 8.97,
      credits_used: 8.97,
      tokens: { input: 101_000, output: 11_000, cacheWrite: 1_000, cacheRead: 20_000, total: 133_000 },
      events: 3,
      first_at: first.body.timestamp,
      last_at: third.body.timestamp,
      breakdown: [
        { type: 'tool', tool, executions: 4, credits: 8 },
        { type: 'model', model, calls: 2, input_tokens: 101_000, output_tokens: 11_000, cache_write_tokens: 1_000, cache_read_tokens: 20_000, minutes: 0, images: 0, credits: 0.47775 },
        { type: 'markup', credits: 0.49195 },
        { type: 'rounding', credits: 0.0003 },
      ],
    });
    // the lines add up to what was charged, to the micro-credit
    const lineSum = detail.body.breakdown.reduce((sum: bigint, line: { credits: number }) => sum + BigInt(Math.round(line.credits * 1e6)), 0n);
    expect(lineSum).toBe(8_970_000n);
    // and equal the sum of the task's events as recorded
    const events = await db('usage_events').where({ account_id: account.id, task_id: task });
    expect(events.reduce((sum: bigint, e: any) => sum + BigInt(e.credits_charged), 0n)).toBe(8_970_000n);

    const grouped = await api('GET', '/v1/billing/usage?group_by=task', { key: account.key });
    expect(grouped.status).toBe(200);
    expect(grouped.body.usage).toEqual([
      { task, executions: 6, credits_used: 8.47775, avg_credits_per_call: 1.412958 },
      { task: '(none)', executions: 1, credits_used: 2, avg_credits_per_call: 2 }, // equal credits: by name
      { task: 'another-task', executions: 1, credits_used: 2, avg_credits_per_call: 2 },
    ]);
    expect(grouped.body.total_charged).toBe(12.97);
  });

  it('a replay answers the same running total; concurrent events of one task each see a distinct total, the last one the sum', async () => {
    const account = await newAccount('pro');
    const tool = await newTool(1.5);
    const task = 'parallel-task';
    const firstCall = await usage(account.key, { task_id: task, items: [{ type: 'tool', tool }] }, { 'Idempotency-Key': 'task-replay-1' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => usage(account.key, { task_id: task, items: [{ type: 'tool', tool }] })));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const totals = responses.map((r) => r.body.task_total_credits as number).sort((a, b) => a - b);
    expect(totals).toEqual(Array.from({ length: 20 }, (_, i) => (i + 2) * 1.5));

    const replay = await usage(account.key, { task_id: task, items: [{ type: 'tool', tool }] }, { 'Idempotency-Key': 'task-replay-1' });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.text]).toEqual([201, 'true', firstCall.text]);
    expect(replay.body.task_total_credits).toBe(1.5);
    expect((await api('GET', `/v1/tasks/${task}`, { key: account.key })).body).toMatchObject({ creditsUsed: 31.5, events: 21 });
    await expectLedgerInvariants(db, account.id);
  });

  it('another account’s task and an unknown task are 404s; an answer without task_id has no running total', async () => {
    const owner = await newAccount('pro');
    const stranger = await newAccount('pro');
    const tool = await newTool(1);
    const used = await usage(owner.key, { task_id: 'private-task', items: [{ type: 'tool', tool }] });
    expect(used.status).toBe(201);
    expectErrorBody(await api('GET', '/v1/tasks/private-task', { key: stranger.key }), 404, 'not_found');
    expectErrorBody(await api('GET', '/v1/tasks/never-used', { key: owner.key }), 404, 'not_found');
    expectErrorBody(await api('GET', `/v1/tasks/${'x'.repeat(201)}`, { key: owner.key }), 400, 'validation_failed');
    expect((await api('GET', '/v1/tasks/private-task', { key: 'admin' })).status).toBe(403);
    const plain = await usage(owner.key, { items: [{ type: 'tool', tool }] });
    expect(plain.body).not.toHaveProperty('task_total_credits');
    expectErrorBody(await api('GET', '/v1/billing/usage?group_by=conversation', { key: owner.key }), 400, 'validation_failed');
  });
});
