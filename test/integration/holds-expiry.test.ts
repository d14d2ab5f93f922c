import pino from 'pino';
import { startHoldExpirySweep } from '../../src/holds/expiry-sweep';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, type TestAccount } from '../factories/accounts';

/**
 * The periodic expiry sweep (src/holds/expiry-sweep.ts) against the real database: it marks
 * every account's passed holds expired in batches, leaves live and settled holds alone, skips a
 * hold another transaction has locked (a capture or release deciding it), and takes it at the
 * next pass.
 */
const db = testDb();
afterAll(() => db.destroy());

const hold = async (account: TestAccount, credits: number) => {
  const response = await api('POST', '/v1/holds', { key: account.key, body: { credits } });
  expect(response.status).toBe(201);
  return response.body.id as string;
};
const passed = (ids: string[], secondsAgo: number) =>
  db('holds').whereIn('id', ids).update({ expires_at: new Date(Date.now() - secondsAgo * 1000) });
const rowsOf = async (ids: string[]) =>
  Object.fromEntries((await db('holds').whereIn('id', ids).select('id', 'status', 'settled_at', 'expires_at')).map((row) => [row.id, row]));

describe('hold expiry sweep', () => {
  it('marks every account’s passed holds expired, in batches, and leaves the others alone', async () => {
    const [a, b] = await Promise.all([newAccount('free'), newAccount('free')]);
    const expiredA = await Promise.all([1, 2, 3].map(() => hold(a, 5)));
    const expiredB = await Promise.all([1, 2, 3, 4].map(() => hold(b, 5)));
    const live = await Promise.all([hold(a, 5), hold(b, 5)]);
    const released = await hold(a, 5);
    expect((await api('POST', `/v1/holds/${released}/release`, { key: a.key })).status).toBe(200);
    await passed([...expiredA, ...expiredB, released], 5);

    // Batches of 2: 7 passed holds take at least 4 steps, more than the two passes here (the one
    // at start and this one) make unless a pass goes on while its steps find full batches.
    const sweep = startHoldExpirySweep(db, pino({ level: 'silent' }), { intervalMs: 3_600_000, batch: 2 });
    try {
      await sweep.sweepNow();
      const rows = await rowsOf([...expiredA, ...expiredB, ...live, released]);
      for (const id of [...expiredA, ...expiredB]) {
        expect(rows[id]).toMatchObject({ status: 'expired', settled_at: rows[id].expires_at });
      }
      for (const id of live) expect(rows[id]).toMatchObject({ status: 'active', settled_at: null });
      expect(rows[released].status).toBe('released');
      const listed = await api('GET', '/v1/holds?status=active', { key: b.key });
      expect(listed.body.data.map((h: { id: string }) => h.id)).toEqual([live[1]]);
      expect(await sweep.sweepNow()).toBe(0);
    } finally {
      await sweep.stop();
    }
  });

  it('skips a hold another transaction has locked and marks it at the next pass', async () => {
    const account = await newAccount('free');
    const [locked, free] = await Promise.all([hold(account, 5), hold(account, 5)]);
    await passed([locked, free], 5);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let lockTaken!: () => void;
    const taken = new Promise<void>((resolve) => (lockTaken = resolve));
    const holder = db.transaction(async (trx) => {
      await trx('holds').where({ id: locked }).forUpdate().first('id');
      lockTaken();
      await released;
    });
    await taken;
    const sweep = startHoldExpirySweep(db, pino({ level: 'silent' }), { intervalMs: 3_600_000, batch: 100 });
    try {
      await sweep.sweepNow();
      const during = await rowsOf([locked, free]);
      expect([during[locked].status, during[free].status]).toEqual(['active', 'expired']);
      release();
      await holder;
      await sweep.sweepNow();
      expect((await rowsOf([locked]))[locked].status).toBe('expired');
    } finally {
      release();
      await holder;
      await sweep.stop();
    }
  });
});
