import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newTool, useTool, type TestAccount } from '../factories/accounts';

const db = testDb();
afterAll(() => db.destroy());

const hold = (account: TestAccount, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api('POST', '/v1/holds', { key: account.key, body, headers });
const capture = (account: TestAccount, id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api('POST', `/v1/holds/${id}/capture`, { key: account.key, body, headers });
const release = (account: TestAccount, id: string) => api('POST', `/v1/holds/${id}/release`, { key: account.key });
/** The balance fields holds concern (the answer carries more, e.g. its value in money). */
const balanceOf = async (account: TestAccount) => {
  const { balance, currency, held, available } = (await api('GET', '/v1/credits/balance', { key: account.key })).body.data;
  return { balance, currency, held, available };
};

describe('holds (over HTTP)', () => {
  it('100 concurrent holds of 7 on a Free account with 100 available: 14 succeed, 86 get the 402 body; captures and releases settle them', async () => {
    const account = await newAccount('free');
    const responses = await Promise.all(Array.from({ length: 100 }, () => hold(account, { credits: 7 })));
    const placed = responses.filter((r) => r.status === 201);
    const refused = responses.filter((r) => r.status === 402);
    expect([placed.length, refused.length]).toEqual([14, 86]);
    for (const response of refused) {
      expect(response.body.error).toMatchObject({ code: 'insufficient_credits', message: 'Not enough credits to execute this tool', details: { credits_required: 7, credits_available: 2, tool: null } });
    }
    expect(placed.map((r) => r.body.available_after).sort((a, b) => a - b)).toEqual([2, 9, 16, 23, 30, 37, 44, 51, 58, 65, 72, 79, 86, 93]);
    expect(placed[0]!.body).toEqual({ id: expect.stringMatching(/^hold_/), credits_held: 7, available_after: expect.any(Number), expires_at: expect.any(String) });
    expect(await balanceOf(account)).toEqual({ balance: 100, currency: 'CREDITS', held: 98, available: 2 });
    expect((await api('GET', '/v1/billing/credits', { key: account.key })).body).toMatchObject({ credits: 100, held: 98, available: 2 });

    // usage without a hold spends only what is available
    const tool = await newTool(3);
    const debit = await useTool(account, tool);
    expect(debit.status).toBe(402);
    expect(debit.body.error.details).toMatchObject({ credits_required: 3, credits_available: 2 });

    const ids = placed.map((r) => r.body.id as string);
    const cheap = await newTool(5);
    const captures = await Promise.all(ids.slice(0, 7).map((id) => capture(account, id, { items: [{ type: 'tool', tool: cheap }] })));
    expect(captures.map((r) => r.status)).toEqual(Array(7).fill(201));
    const releases = await Promise.all(ids.slice(7).map((id) => release(account, id)));
    expect(releases.map((r) => [r.status, r.body.status])).toEqual(Array(7).fill([200, 'released']));
    expect(await balanceOf(account)).toEqual({ balance: 65, currency: 'CREDITS', held: 0, available: 65 });
    expect(await db('usage_events').where({ account_id: account.id }).count()).toEqual([{ count: '7' }]);
    const active = await api('GET', '/v1/holds?status=active', { key: account.key });
    expect(active.body.meta).toEqual({ total: 0, limit: 20, offset: 0 });
    const all = await api('GET', '/v1/holds?limit=100', { key: account.key });
    expect(all.body.meta.total).toBe(14);
    expect(all.body.data.filter((h: any) => h.status === 'captured')).toHaveLength(7);
    await expectLedgerInvariants(db, account.id);
  });

  it('a capture records the usage as POST /v1/usage would, names its hold, and is replayed or refused once settled', async () => {
    const account = await newAccount('free');
    const tool = await newTool(12);
    const placed = await hold(account, { credits: 10, agent: 'researcher', task_id: 'task-9' });
    expect(placed.status).toBe(201);
    const id = placed.body.id as string;

    const first = await capture(account, id, { items: [{ type: 'tool', tool }] }, { 'Idempotency-Key': 'cap-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ hold_id: id, credits_used: 12, balance_after: 88, uncaptured_credits: 0, agent: 'researcher', task_id: 'task-9', overage_credits: 0 });
    expect(first.body.breakdown).toEqual([{ type: 'tool', tool, quantity: 1, credits_per_execution: 12, credits: 12 }]);
    const entry = await db('ledger_entries').where({ id: first.body.transaction_id }).first();
    expect(entry).toMatchObject({ type: 'usage', amount: '-12000000', reference: first.body.id });
    expect(entry.description).toContain(id);

    const replay = await capture(account, id, { items: [{ type: 'tool', tool }] }, { 'Idempotency-Key': 'cap-1' });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.text]).toEqual([201, 'true', first.text]);
    expectErrorBody(await capture(account, id, { items: [{ type: 'tool', tool }] }, { 'Idempotency-Key': 'cap-1-other' }), 409, 'conflict');
    const otherBody = await capture(account, id, { items: [{ type: 'tool', tool }, { type: 'tool', tool }] }, { 'Idempotency-Key': 'cap-1' });
    expectErrorBody(otherBody, 409, 'idempotency_conflict');
    expectErrorBody(await release(account, id), 409, 'conflict');

    const detail = await api('GET', `/v1/holds/${id}`, { key: account.key });
    expect(detail.body).toMatchObject({ id, status: 'captured', credits_held: 10, captured_credits: 12, uncaptured_credits: 0, capture_transaction_id: first.body.transaction_id });
    await expectLedgerInvariants(db, account.id);
  });

  it('on a plan without overage, usage beyond what is available is capped and reported as uncaptured', async () => {
    const account = await newAccount('free');
    const other = await hold(account, { credits: 60 });
    const mine = await hold(account, { credits: 30 });
    const dear = await newTool(50);
    const captured = await capture(account, mine.body.id, { items: [{ type: 'tool', tool: dear }] });
    expect(captured.status).toBe(201);
    // available to this capture: 100 − 60 held by the other hold = 40 (its own 30 included)
    expect(captured.body).toMatchObject({ credits_used: 40, uncaptured_credits: 10, balance_after: 60 });
    expect(captured.body.breakdown.at(-1)).toMatchObject({ type: 'uncaptured', credits: -10 });
    expect(await balanceOf(account)).toEqual({ balance: 60, currency: 'CREDITS', held: 60, available: 0 });
    const released = await release(account, other.body.id);
    expect(released.body).toMatchObject({ status: 'released', settled_at: expect.any(String) });
    expect(await balanceOf(account)).toEqual({ balance: 60, currency: 'CREDITS', held: 0, available: 60 });
    await expectLedgerInvariants(db, account.id);
  });

  it('on an overage plan a hold blocks nothing and a capture beyond the grants is overage', async () => {
    const account = await newAccount('pro');
    const placed = await hold(account, { credits: 9_000 });
    expect(placed.body.available_after).toBe(1_000);
    const tool = await newTool(5_000);
    expect((await useTool(account, tool)).status).toBe(201); // not blocked by the hold
    const captured = await capture(account, placed.body.id, { items: [{ type: 'tool', tool }, { type: 'tool', tool }] });
    expect(captured.body).toMatchObject({ credits_used: 10_000, overage_credits: 5_000, balance_after: 0, uncaptured_credits: 0 });
    await expectLedgerInvariants(db, account.id);
  });

  it('prices items as POST /v1/usage does, is idempotent by key, and an expired hold reserves nothing', async () => {
    const account = await newAccount('free');
    const tool = await newTool(0.5);
    const body = { items: [{ type: 'tool', tool }, { type: 'tool', tool, quantity: 3 }], markup: 'agent' };
    const placed = await hold(account, body, { 'Idempotency-Key': 'h-1' });
    expect(placed.status).toBe(201);
    expect(placed.body.credits_held).toBe(2.4); // 4 × 0.5 + 20%
    const again = await hold(account, body, { 'Idempotency-Key': 'h-1' });
    expect([again.status, again.headers.get('idempotent-replayed'), again.text]).toEqual([201, 'true', placed.text]);
    expectErrorBody(await hold(account, { credits: 1 }, { 'Idempotency-Key': 'h-1' }), 409, 'idempotency_conflict');

    const big = await hold(account, { credits: 97 });
    expect(big.status).toBe(201);
    expect((await hold(account, { credits: 1 })).status).toBe(402);
    await db('holds').where({ id: big.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    expect(await balanceOf(account)).toEqual({ balance: 100, currency: 'CREDITS', held: 2.4, available: 97.6 });
    expect((await hold(account, { credits: 1 })).status).toBe(201);
    expectErrorBody(await capture(account, big.body.id, { items: [{ type: 'tool', tool }] }), 409, 'conflict');
    const expired = await api('GET', '/v1/holds?status=expired', { key: account.key });
    expect(expired.body.data.map((h: any) => h.id)).toEqual([big.body.id]);
    await expectLedgerInvariants(db, account.id);
  });

  it('concurrent captures and releases of one hold: exactly one wins; the same key replays the winner', async () => {
    const account = await newAccount('free');
    const tool = await newTool(4);
    const placed = await hold(account, { credits: 10 });
    const id = placed.body.id as string;
    const body = { items: [{ type: 'tool', tool }] };
    const attempts = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => capture(account, id, body, { 'Idempotency-Key': `race-${i}` })),
      ...Array.from({ length: 4 }, () => release(account, id)),
    ]);
    const won = attempts.filter((r) => r.status === 201 || r.status === 200);
    expect(won).toHaveLength(1);
    for (const lost of attempts.filter((r) => r !== won[0])) expectErrorBody(lost, 409, 'conflict');

    // the same capture key sent many times at once: one capture, every answer the original
    const other = await hold(account, { credits: 10 });
    const same = await Promise.all(Array.from({ length: 8 }, () => capture(account, other.body.id, body, { 'Idempotency-Key': 'same-key' })));
    expect(same.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(same.map((r) => r.text)).size).toBe(1);
    expect(same.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    const charged = won[0]!.status === 201 ? 2 : 1;
    expect(await db('usage_events').where({ account_id: account.id }).count()).toEqual([{ count: String(charged) }]);
    expect(await balanceOf(account)).toEqual({ balance: 100 - 4 * charged, currency: 'CREDITS', held: 0, available: 100 - 4 * charged });
    await expectLedgerInvariants(db, account.id);
  });

  it('concurrent captures, on many accounts and on one, each charge what was available in its turn', async () => {
    const accounts = await Promise.all(Array.from({ length: 12 }, () => newAccount('free')));
    const tool = await newTool(30);
    const holds = await Promise.all(accounts.map((account) => hold(account, { credits: 20 })));
    const capped = accounts.filter((_, i) => i % 3 === 0);
    const others = await Promise.all(capped.map((account) => hold(account, { credits: 65 })));
    const captured = await Promise.all(accounts.map((account, i) => capture(account, holds[i]!.body.id, { items: [{ type: 'tool', tool }] })));
    // available to each: 100, or 100 − 65 held by the other hold = 35: the 30 are charged
    for (const response of captured) expect(response.body).toMatchObject({ credits_used: 30, uncaptured_credits: 0, balance_after: 70 });
    const dear = await newTool(40);
    const more = await Promise.all(capped.map(async (account) => capture(account, (await hold(account, { credits: 5 })).body.id, { items: [{ type: 'tool', tool: dear }] })));
    for (const response of more) {
      // 70 left − 65 held by the other hold = 5 for this capture
      expect(response.body).toMatchObject({ credits_used: 5, uncaptured_credits: 35, balance_after: 65 });
      const stored = await db('usage_events').where({ id: response.body.id }).first();
      expect(stored.credits_charged).toBe('5000000');
      // the stored lines (rebuilt from the rows and the hold) end with the same uncaptured line
      const read = await api('GET', `/v1/usage/${response.body.id}`, { key: capped[more.indexOf(response)]!.key });
      expect(read.body.breakdown.at(-1)).toEqual(response.body.breakdown.at(-1));
      expect(response.body.breakdown.at(-1)).toMatchObject({ type: 'uncaptured', credits: -35 });
    }
    await Promise.all(capped.map((account, i) => release(account, others[i]!.body.id)));

    // four holds of 10 on one account, captured at once for 30 each: 30, 30, 30, then the last 10
    const one = await newAccount('free');
    const four = await Promise.all(Array.from({ length: 4 }, () => hold(one, { credits: 10 })));
    const charged = await Promise.all(four.map((placed) => capture(one, placed.body.id, { items: [{ type: 'tool', tool }] })));
    expect(charged.map((r) => [r.body.credits_used, r.body.uncaptured_credits]).sort()).toEqual([[10, 20], [30, 0], [30, 0], [30, 0]]);
    expect(await balanceOf(one)).toEqual({ balance: 0, currency: 'CREDITS', held: 0, available: 0 });
    for (const account of [...accounts, one]) await expectLedgerInvariants(db, account.id);
  });

  it('the plan’s agent limit applies when a hold is placed; a capture the debit refuses leaves its hold active', async () => {
    const account = await newAccount('free'); // Free: 1 agent
    const first = await hold(account, { credits: 5, agent: 'researcher' });
    expect(first.status).toBe(201);
    expect((await hold(account, { credits: 5, agent: 'researcher' })).status).toBe(201); // the same agent again
    const refused = await hold(account, { credits: 5, agent: 'writer' });
    expectErrorBody(refused, 402, 'agent_limit_reached');
    expect(refused.body.error.details).toEqual({ agent_limit: 1 });
    expect((await hold(account, { credits: 5 })).status).toBe(201); // no agent: no limit

    // concurrent holds for new agents: one agent gets the place
    const other = await newAccount('free');
    const racing = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((agent) => hold(other, { credits: 1, agent })));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 402 && r.body.error.code === 'agent_limit_reached')).toHaveLength(4);

    // usage without a hold took the only place meanwhile: the capture gets the debit's 402, the hold stays
    const tool = await newTool(2);
    const third = await newAccount('free');
    const held = await hold(third, { credits: 5, agent: 'researcher' });
    expect((await useTool(third, tool, { agent: 'writer' })).status).toBe(201);
    expectErrorBody(await capture(third, held.body.id, { items: [{ type: 'tool', tool }] }), 402, 'agent_limit_reached');
    expect((await api('GET', `/v1/holds/${held.body.id}`, { key: third.key })).body).toMatchObject({ status: 'active', captured_credits: null, capture_transaction_id: null });
    expect((await release(third, held.body.id)).status).toBe(200);
    // once its holds ended, the agent's place is free again
    expect((await hold(third, { credits: 1, agent: 'writer' })).status).toBe(201);
    await expectLedgerInvariants(db, third.id);
  });

  it('bad input is a 400, another account’s hold a 404', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1);
    for (const body of [{ credits: 1, ttl_seconds: 86_401 }, { credits: 1, items: [{ type: 'tool', tool }] }, {}, { credits: 0 }, { credits: 1, ttl_seconds: 0 }, { credits: 1, markup: 'agent' }]) {
      expectErrorBody(await hold(account, body), 400, 'validation_failed');
    }
    expect((await hold(account, { credits: 1, ttl_seconds: 86_400 })).status).toBe(201);
    expectErrorBody(await capture(account, 'hold_x', {}), 400, 'validation_failed');
    const placed = await hold(account, { credits: 5 });
    const stranger = await newAccount('free');
    expectErrorBody(await api('GET', `/v1/holds/${placed.body.id}`, { key: stranger.key }), 404, 'not_found');
    expectErrorBody(await capture(stranger, placed.body.id, { items: [{ type: 'tool', tool }] }), 404, 'not_found');
    expectErrorBody(await release(stranger, placed.body.id), 404, 'not_found');
    expectErrorBody(await release(account, 'hold_doesnotexist'), 404, 'not_found');
    expect((await api('GET', `/v1/holds/${placed.body.id}`, { key: account.key })).body.status).toBe('active');
  });
});
