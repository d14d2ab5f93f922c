import { accountIn, privatePeriod } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { settle } from '../helpers/settle-cli';

/** `settle close --period` against the stack's API (and the stack's worker). */
const db = testDb();
afterAll(() => db.destroy());


describe('settle close', () => {
  it('closes a period with progress and a summary; running it again changes nothing', async () => {
    const period = await privatePeriod(db);
    const accounts = [await accountIn(period, 'free'), await accountIn(period, 'free')];
    const result = await settle('close', '--period', period.key);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toBe(`Close of ${period.key}: workflow close:${period.key} (running)`);
    expect(result.out.some((line) => /^Closing \d{4}-\d{2}: \d+\/\d+/.test(line))).toBe(true);
    expect(result.out.at(-1)).toBe('Done: 2 of 2 account(s) closed, status completed');
    const rows = await db('periods').whereIn('account_id', accounts.map((a) => a.id)).where({ period: period.key, status: 'closed' });
    expect(rows).toHaveLength(2);

    const entriesBefore = await db('ledger_entries').whereIn('account_id', accounts.map((a) => a.id)).count({ n: '*' });
    const again = await settle('close', '--period', period.key);
    expect(again.code).toBe(0);
    expect(again.out.at(-1)).toBe('Done: 2 of 2 account(s) closed, status completed');
    expect(await db('ledger_entries').whereIn('account_id', accounts.map((a) => a.id)).count({ n: '*' })).toEqual(entriesBefore);
  });

  it('refuses a month that has not ended, with the reason', async () => {
    const now = new Date();
    const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const result = await settle('close', '--period', current);
    expect(result.code).not.toBe(0);
    expect(result.err.join('\n')).toContain('has not ended yet');
  });
});
