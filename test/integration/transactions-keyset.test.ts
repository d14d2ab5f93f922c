import type { Knex } from 'knex';
import { listEntries } from '../../src/credits/reports.queries';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, newTool, useTool } from '../factories/accounts';

const db = testDb();
afterAll(() => db.destroy());

describe('transaction pages with starting_after (issue 14)', () => {
  it('walks every credit transaction once, newest first, with has_more on all but the last page', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1);
    for (let i = 0; i < 4; i++) await useTool(account, tool);
    const everything = await api('GET', '/v1/credits/transactions?limit=100', { key: account.key });
    expect(everything.body).toMatchObject({ has_more: false, meta: { total: 5, limit: 100, offset: 0 } });

    const seen: string[] = [];
    const pages: boolean[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await api('GET', `/v1/credits/transactions?limit=2${after ? `&starting_after=${after}` : ''}`, { key: account.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((t: any) => t.id));
      pages.push(page.body.has_more);
      if (!page.body.has_more) break;
      after = page.body.data.at(-1).id;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen).toEqual(everything.body.data.map((t: any) => t.id));

    // offset still pages as before, and says whether more follow
    const byOffset = await api('GET', '/v1/credits/transactions?limit=2&offset=3', { key: account.key });
    expect(byOffset.body).toMatchObject({ has_more: false, meta: { total: 5, limit: 2, offset: 3 } });
    expect(byOffset.body.data.map((t: any) => t.id)).toEqual(seen.slice(3));
  });

  it('pages tokens the same way, and refuses a cursor that is not one of the account’s transactions of that unit', async () => {
    const account = await newAccount('pro');
    const other = await newAccount('pro');
    for (let i = 0; i < 3; i++) await api('POST', '/v1/tokens/consume', { key: account.key, body: { amount: 10 } });
    const first = await api('GET', '/v1/tokens/transactions?limit=2', { key: account.key });
    expect(first.body.has_more).toBe(true);
    const rest = await api('GET', `/v1/tokens/transactions?limit=2&starting_after=${first.body.data[1].id}`, { key: account.key });
    expect(rest.body.data.map((t: any) => t.seq)).toEqual([first.body.data[1].seq - 1, first.body.data[1].seq - 2].filter((seq) => seq > 0));

    const credits = await api('GET', '/v1/credits/transactions?limit=1', { key: account.key });
    const wrongUnit = await api('GET', `/v1/tokens/transactions?starting_after=${credits.body.data[0].id}`, { key: account.key });
    expect(wrongUnit.status).toBe(400);
    expect(wrongUnit.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'starting_after' } });
    const foreign = await api('GET', `/v1/credits/transactions?starting_after=${credits.body.data[0].id}`, { key: other.key });
    expect(foreign.status).toBe(400);
    const malformed = await api('GET', '/v1/credits/transactions?starting_after=use_123', { key: account.key });
    expect(malformed.status).toBe(400);
    const tooDeep = await api('GET', '/v1/credits/transactions?offset=10001', { key: account.key });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error.details.field).toBe('offset');
  });

  it('serves a starting_after page from the (account, unit, seq) index, without sorting or skipping rows', async () => {
    const account = await newAccount('free');
    const tool = await newTool(1);
    for (let i = 0; i < 3; i++) await useTool(account, tool);
    const newest = await api('GET', '/v1/credits/transactions?limit=1', { key: account.key });

    // the statements listEntries sends, as PostgreSQL received them
    const sent: Array<{ sql: string; bindings: readonly Knex.RawBinding[] }> = [];
    const listen = (query: { sql: string; bindings?: readonly Knex.RawBinding[] }) => sent.push({ sql: query.sql, bindings: query.bindings ?? [] });
    db.on('query', listen);
    const page = await listEntries(db, account.id, 'credits', { limit: 2, offset: 0, startingAfter: newest.body.data[0].id });
    db.off('query', listen);
    expect(page.rows.map((row) => Number(row.seq))).toEqual([3, 2]);
    const pageQuery = sent.find((query) => /order by "seq" desc/.test(query.sql));
    expect(pageQuery).toBeDefined();
    expect(pageQuery!.sql).not.toMatch(/offset/i);

    const plan = await db.transaction(async (trx) => {
      // A test database is small enough for a sequential or bitmap scan plus a sort to win; the
      // point is that the index can serve the page in order. With those paths discouraged, a plan
      // still has a Sort node if (and only if) no index delivers the rows in the page's order.
      await trx.raw('set local enable_seqscan = off');
      await trx.raw('set local enable_bitmapscan = off');
      await trx.raw('set local enable_sort = off');
      // knex reports PostgreSQL's $1, $2 … placeholders, numbered in order; raw() takes them as ?
      const explained = await trx.raw(`explain (format json) ${pageQuery!.sql.replace(/\$\d+/g, '?')}`, pageQuery!.bindings);
      return JSON.stringify(explained.rows[0]['QUERY PLAN']);
    });
    expect(plan).toContain('"Index Name":"ledger_entries_account_id_unit_seq_unique"');
    expect(plan).toContain('"Scan Direction":"Backward"');
    expect(plan).not.toContain('"Node Type":"Sort"');
  });
});
