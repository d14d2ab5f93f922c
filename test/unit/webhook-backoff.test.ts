import { GIVE_UP_AFTER_MS, nextRetry } from '../../src/outgoing-webhooks/compute/backoff';

const created = new Date('2026-12-01T00:00:00Z');
const S = 1000;
const H = 3_600_000;

describe('nextRetry: 5 s, 25 s, 2 min, 10 min, 1 h, … with ±20 % jitter, failed after 3 days', () => {
  it.each<[string, number, number, number, number | 'give_up']>([
    // name, attempts so far, ms since creation, random, expected delay in ms (or give up)
    ['first failure, no jitter (random 0.5)', 1, 0, 0.5, 5 * S],
    ['first failure, lowest jitter', 1, 0, 0, 4 * S],
    ['first failure, highest jitter', 1, 0, 0.999999, 6 * S],
    ['second failure', 2, 5 * S, 0.5, 25 * S],
    ['third failure', 3, 30 * S, 0.5, 120 * S],
    ['fourth failure', 4, 150 * S, 0.5, 600 * S],
    ['fifth failure', 5, 750 * S, 0.5, H],
    ['sixth failure', 6, 2 * H, 0.5, 3 * H],
    ['ninth and later failures: 12 h', 12, 30 * H, 0.5, 12 * H],
    ['a retry that would land just inside 3 days', 9, GIVE_UP_AFTER_MS - 12 * H, 0.5, 12 * H],
    ['a retry that would land past 3 days: give up', 9, GIVE_UP_AFTER_MS - 12 * H + 1, 0.5, 'give_up'],
    ['even an early attempt gives up once 3 days passed (redelivered long after)', 1, GIVE_UP_AFTER_MS, 0.5, 'give_up'],
  ])('%s', (_name, attempts, sinceCreated, random, expected) => {
    const now = new Date(created.getTime() + sinceCreated);
    const decision = nextRetry({ attempts, createdAt: created, now, random });
    if (expected === 'give_up') expect(decision).toEqual({ kind: 'give_up' });
    else expect(decision).toEqual({ kind: 'retry', at: new Date(now.getTime() + expected) });
  });

  it('the delays grow and the total schedule reaches past 3 days (about 3 days of retries, not fewer)', () => {
    let now = created;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const decision = nextRetry({ attempts, createdAt: created, now, random: 0.5 });
      if (decision.kind === 'give_up') break;
      now = decision.at;
    }
    expect(now.getTime() - created.getTime()).toBeGreaterThan(GIVE_UP_AFTER_MS - 12 * H);
    expect(attempts).toBeGreaterThan(8);
  });
});
