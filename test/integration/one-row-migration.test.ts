import type { Knex } from 'knex';
import { migrations } from '../../migrations';
import { createAccount } from '../../src/accounts/accounts.service';
import { postCredit } from '../../src/credits/ledger.service';
import { createDb } from '../../src/db/knex';
import { migrationSourceOf } from '../../src/db/migrate';
import { newId } from '../../src/shared/ids';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';

/**
 * Migration 20261205000200 moves each usage event and its lines onto its ledger entry. Usage
 * recorded by the previous debit function (three rows per call) must read back through the new
 * views exactly as the old tables held it, its burns likewise, and the migration's down must
 * restore the tables. Runs on a database of its own, migrated up to the migration before.
 */
const MOVE = '20261205000200_one_row_per_metered_call';
const admin = testDb();
const database = `settle_migration_${Date.now()}`;
let db: Knex;

const all = migrationSourceOf(migrations);
/** Up to and including the migration under test, so its down is the one run. */
const throughMove = migrationSourceOf(migrations.filter((m) => m.name <= MOVE));

beforeAll(async () => {
  await admin.raw(`create database ${database}`);
  const url = new URL(readStackInfo().databaseUrl);
  url.pathname = `/${database}`;
  db = createDb(url.toString(), 3);
  await db.migrate.latest({ migrationSource: migrationSourceOf(migrations.filter((m) => m.name < MOVE)) });
});

afterAll(async () => {
  await db.destroy();
  await admin.raw(`drop database if exists ${database} with (force)`);
  await admin.destroy();
});

const HOUR = 3_600_000;
const credits = (n: number) => BigInt(Math.round(n * 1_000_000));

/** A usage debit as the previous function took it: its usage_events row and usage_items rows in full. */
function oldUsageDebit(accountId: string, at: Date, amount: bigint, opts: { key: string | null; agent: string | null; task: string | null; markupBps: number | null; markup: bigint; rounding: bigint; lines: Array<Record<string, unknown>> }) {
  const eventId = newId('use');
  const line = (fields: Record<string, unknown>, position: number) => ({
    usage_event_id: eventId, position, account_id: accountId, occurred_at: at.toISOString(), agent: opts.agent,
    tool: null, publisher_id: null, model: null, provider: null, quantity: '1', input_tokens: '0', output_tokens: '0',
    cache_write_tokens: '0', cache_read_tokens: '0', milli_minutes: '0', images: '0', provider_cost: '0', ...fields,
  });
  const items = opts.lines.map(line);
  const sum = (key: string) => String(items.reduce((total, item) => total + BigInt(item[key as keyof typeof item] as string), 0n));
  return {
    account_id: accountId, unit: 'credits', amount: String(amount), key: opts.key, hash: 'ab'.repeat(32), type: 'usage',
    description: 'Usage', reference: eventId, at: at.toISOString(), entry_id: newId('txn'), agent: opts.agent,
    usage: {
      id: eventId, account_id: accountId, agent: opts.agent, task_id: opts.task, credits_charged: String(amount), markup: String(opts.markup),
      rounding: String(opts.rounding), provider_cost: sum('provider_cost'), input_tokens: sum('input_tokens'), output_tokens: sum('output_tokens'),
      cache_write_tokens: sum('cache_write_tokens'), cache_read_tokens: sum('cache_read_tokens'), markup_bps: opts.markupBps, occurred_at: at.toISOString(),
    },
    items, accruals: null, tokens: null, token_entry_id: null,
  };
}

const snapshot = async () => ({
  events: await db.raw(`select id, account_id, ledger_entry_id, agent, task_id, credits_charged, markup, rounding, overage, balance_after, provider_cost,
                               input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, markup_bps, occurred_at, created_at
                          from usage_events order by id`).then((r) => r.rows),
  lines: await db.raw(`select usage_event_id, position, account_id, occurred_at, agent, kind, tool, publisher_id, model, provider, quantity,
                              input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, milli_minutes, images, credits, provider_cost
                         from usage_items order by usage_event_id, position`).then((r) => r.rows),
});

describe('one row per metered call: the migration', () => {
  it('moves recorded usage onto its ledger entries, reads it back unchanged, and its down restores the tables', async () => {
    const account = await createAccount(db, { name: 'migrated', plan: 'free' });
    const at = new Date(account.period_start.getTime() + HOUR);
    for (const [amount, priority] of [[3, 10], [50, 20]] as const) {
      await postCredit(db, { accountId: account.id, unit: 'credits', kind: 'promotional', type: 'grant', amount: credits(amount), idempotencyKey: newId('chk'), priority, startsAt: account.period_start });
    }
    const debits = [
      oldUsageDebit(account.id, at, credits(1.5), { key: 'k1', agent: 'bot', task: 'task-1', markupBps: null, markup: 0n, rounding: 0n, lines: [{ kind: 'tool', tool: 'search', quantity: '3', credits: '1500000' }] }),
      oldUsageDebit(account.id, at, credits(4.2), {
        key: null, agent: null, task: null, markupBps: 2000, markup: 700_000n, rounding: 0n,
        lines: [
          { kind: 'model', model: 'sonnet', provider: 'anthropic', input_tokens: '1000', output_tokens: '100', cache_read_tokens: '7', milli_minutes: '1500', images: '2', credits: '3000000', provider_cost: '2600' },
          { kind: 'tool', tool: 'fetch', publisher_id: 'pub_1', credits: '500000' },
        ],
      }),
    ];
    const { rows } = await db.raw('select outcome from settle_debit_batch(?::jsonb)', [JSON.stringify(debits)]);
    expect(rows.map((row: { outcome: string }) => row.outcome)).toEqual(['ok', 'ok']);
    const before = await snapshot();
    const burnsBefore = (await db('ledger_entries').whereIn('id', debits.map((d) => d.entry_id)).orderBy('id').select('id', 'burns')).map((e) => [e.id, e.burns]);
    expect(before.events).toHaveLength(2);
    expect(before.lines).toHaveLength(3);
    expect(burnsBefore.map(([, burns]) => burns.length).sort()).toEqual([1, 2]); // the second debit spans both grants

    await db.migrate.latest({ migrationSource: throughMove });
    expect(await snapshot()).toEqual(before);
    const burnsAfter = await db.raw('select id, ledger_entry_burns(e) as burns from ledger_entries e where id = any(?) order by id', [debits.map((d) => d.entry_id)]);
    expect(burnsAfter.rows.map((e: { id: string; burns: unknown }) => [e.id, e.burns])).toEqual(burnsBefore);
    const stored = await db('ledger_entries').where({ id: debits[1]!.entry_id }).first('lines', 'markup', 'rounding', 'provider_cost');
    expect(stored).toEqual({
      lines: [
        { model: 'sonnet', provider: 'anthropic', input_tokens: '1000', output_tokens: '100', cache_read_tokens: '7', milli_minutes: '1500', images: '2', credits: '3000000', provider_cost: '2600' },
        { tool: 'fetch', publisher_id: 'pub_1', credits: '500000' },
      ],
      markup: '700000',
      rounding: null, // zeros are not stored
      provider_cost: '2600',
    });

    await db.migrate.down({ migrationSource: throughMove });
    expect(await db.raw(`select to_regclass('usage_events')::text as t`).then((r) => r.rows[0].t)).toBe('usage_events');
    expect(await snapshot()).toEqual(before);
    const burnsDown = (await db('ledger_entries').whereIn('id', debits.map((d) => d.entry_id)).orderBy('id').select('id', 'burns')).map((e) => [e.id, e.burns]);
    expect(burnsDown).toEqual(burnsBefore);
    // and on to the latest, with what came after it (their downs too)
    await db.migrate.latest({ migrationSource: all });
    expect(await snapshot()).toEqual(before);
    for (const _later of migrations.filter((m) => m.name > MOVE)) await db.migrate.down({ migrationSource: all });
    await db.migrate.latest({ migrationSource: all });
    expect(await snapshot()).toEqual(before);
  });
});
