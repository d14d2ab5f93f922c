import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newModel, newTool } from '../factories/accounts';

/**
 * A metered call writes one row: its ledger entry, carrying the usage record (the usage_events
 * and usage_items views read it back). What it stores is the compact form; what every reader
 * gets is the full one.
 */
const db = testDb();
afterAll(() => db.destroy());

const usage = (key: string, body: Record<string, unknown>, idempotencyKey?: string) =>
  api('POST', '/v1/usage', { key, body, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) });

const entryCount = async (accountId: string) => Number((await db('ledger_entries').where({ account_id: accountId }).count())[0]!.count);

describe('one row per metered call', () => {
  it('a tool call sent without a key stores one entry: no key, no hash, its one burn as grant_id, its line compact', async () => {
    const account = await newAccount('pro');
    const tool = await newTool(0.25);
    const before = await entryCount(account.id);
    const used = await usage(account.key, { items: [{ type: 'tool', tool }] });
    expect(used.status).toBe(201);
    expect(await entryCount(account.id)).toBe(before + 1);

    const entry = await db('ledger_entries').where({ id: used.body.transaction_id }).first();
    const included = await db('grants').where({ account_id: account.id, unit: 'credits', kind: 'included' }).first('id');
    expect(entry).toMatchObject({
      type: 'usage', reference: used.body.id, amount: '-250000', idempotency_key: null, request_hash: null,
      burns: null, grant_id: included.id, lines: [{ tool, credits: '250000' }],
      agent: null, task_id: null, markup: null, rounding: null, provider_cost: null, input_tokens: null, markup_bps: null,
    });
    expect(await db('usage_events').where({ id: used.body.id }).first()).toMatchObject({
      account_id: account.id, ledger_entry_id: entry.id, credits_charged: '250000', markup: '0', rounding: '0', overage: '0',
      provider_cost: '0', input_tokens: '0', output_tokens: '0', cache_write_tokens: '0', cache_read_tokens: '0',
      occurred_at: entry.effective_at, created_at: entry.created_at,
    });
    expect(await db('usage_items').where({ usage_event_id: used.body.id })).toEqual([expect.objectContaining({
      position: 0, kind: 'tool', tool, publisher_id: null, model: null, quantity: '1', credits: '250000', provider_cost: '0', milli_minutes: '0', images: '0',
    })]);
    const detail = await api('GET', `/v1/usage/${used.body.id}`, { key: account.key });
    expect(detail.body.trace.at(-1).funded_by).toEqual([{ grant_id: included.id, credits: 0.25 }]);
    await expectLedgerInvariants(db, account.id);
  });

  it('a many-line call reads back exactly as it was answered; a keyed request keeps its hash and replays', async () => {
    const account = await newAccount('pro');
    const [search, fetch] = [await newTool(0.1), await newTool(0.05)];
    const model = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15, creditCacheWritePer1M: 3.75, creditCacheReadPer1M: 0.3, creditPerImage: 0.25, providerCost: { inputPer1M: 2.5, outputPer1M: 12 } });
    const body = {
      agent: 'researcher', task_id: 'task-7', markup: 'agent',
      items: [
        { type: 'tool', tool: search, quantity: 3 },
        { type: 'model', model, input_tokens: 1_234, output_tokens: 56, cache_write_tokens: 7, cache_read_tokens: 8_900, images: 2 },
        { type: 'tool', tool: fetch },
      ],
    };
    const used = await usage(account.key, body, 'one-row-keyed');
    expect(used.status).toBe(201);
    const entry = await db('ledger_entries').where({ id: used.body.transaction_id }).first();
    expect(entry.request_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(entry.lines).toHaveLength(3);
    expect(entry).toMatchObject({ agent: 'researcher', task_id: 'task-7', input_tokens: '1234', cache_read_tokens: '8900' });

    const detail = await api('GET', `/v1/usage/${used.body.id}`, { key: account.key });
    expect(detail.body.breakdown).toEqual(used.body.breakdown);
    expect(detail.body.tokens).toEqual({ input: 1_234, output: 56, cacheWrite: 7, cacheRead: 8_900, total: 10_197 });
    const lines = await db('usage_items').where({ usage_event_id: used.body.id }).orderBy('position');
    expect(lines.map((line) => [line.position, line.kind, line.quantity, line.images, line.agent])).toEqual([
      [0, 'tool', '3', '0', 'researcher'],
      [1, 'model', '1', '2', 'researcher'],
      [2, 'tool', '1', '0', 'researcher'],
    ]);
    const tasks = await api('GET', '/v1/tasks/task-7', { key: account.key });
    expect(tasks.status).toBe(200);

    const replay = await usage(account.key, body, 'one-row-keyed');
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.id]).toEqual([201, 'true', used.body.id]);
    const other = await usage(account.key, { ...body, agent: 'someone-else' }, 'one-row-keyed');
    expect(other.status).toBe(409);
    await expectLedgerInvariants(db, account.id);
  });
});
