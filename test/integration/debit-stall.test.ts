import { testDb } from '../helpers/db';
import { newAccount, newTool, useTool } from '../factories/accounts';

/**
 * The API sends one batch of debits to the database at a time. A batch that waits for a balance
 * row another transaction holds must not hold up the debits of every other account behind it.
 */
const db = testDb();
afterAll(() => db.destroy());

describe('a debit waiting for a locked balance', () => {
  it('does not hold up other accounts; it completes once the lock is released', async () => {
    const [busy, other] = [await newAccount('free'), await newAccount('free')];
    const tool = await newTool(3);

    const trx = await db.transaction();
    let busyAnswered = false;
    let waiting: ReturnType<typeof useTool> | undefined;
    try {
      await trx('balances').where({ account_id: busy.id, unit: 'credits' }).forUpdate().first();
      waiting = useTool(busy, tool);
      void waiting.then(() => (busyAnswered = true));
      // Until the busy account's batch has gone out and is waiting, the next one would simply join it.
      await waitFor(async () => (await debitsWaitingForALock()) > 0);

      const meanwhile = await useTool(other, tool);
      expect(meanwhile.status).toBe(201);
      expect(meanwhile.body.balance_after).toBe(97);
      expect(busyAnswered).toBe(false);
    } finally {
      await trx.commit();
    }

    const late = await waiting!;
    expect(late.status).toBe(201);
    expect(late.body.balance_after).toBe(97);
  });
});

/** Database sessions running the debit function that wait for a lock. */
async function debitsWaitingForALock(): Promise<number> {
  const { rows } = await db.raw(
    `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%settle_debit_batch%'`,
  );
  return rows[0].n;
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the debit never started waiting for the lock');
}
