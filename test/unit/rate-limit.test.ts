import { KeyRateLimiter } from '../../src/http/rate-limit';

/** The token bucket on a clock the test moves: [ms since start, key] → allowed or seconds to wait. */
type Step = [at: number, key: string, expected: true | number];

describe('KeyRateLimiter (token bucket per key)', () => {
  it.each<[string, number, number, Step[]]>([
    ['a full burst is allowed at once, the next request waits', 2, 3, [[0, 'a', true], [0, 'a', true], [0, 'a', true], [0, 'a', 1]]],
    ['tokens come back at the rate', 2, 2, [[0, 'a', true], [0, 'a', true], [0, 'a', 1], [499, 'a', 1], [500, 'a', true], [500, 'a', 1]]],
    ['refill never exceeds the burst', 10, 2, [[0, 'a', true], [0, 'a', true], [60_000, 'a', true], [60_000, 'a', true], [60_000, 'a', 1]]],
    ['keys have their own buckets', 1, 1, [[0, 'a', true], [0, 'a', 1], [0, 'b', true], [0, 'b', 1]]],
    ['a slow rate asks for more seconds', 0.25, 1, [[0, 'a', true], [0, 'a', 4], [2000, 'a', 2], [4000, 'a', true]]],
    ['a refused request costs no token', 1, 1, [[0, 'a', true], [0, 'a', 1], [0, 'a', 1], [1000, 'a', true]]],
  ])('%s', (_name, perSecond, burst, steps) => {
    let now = 0;
    const limiter = new KeyRateLimiter(perSecond, burst, () => now);
    for (const [at, key, expected] of steps) {
      now = at;
      const taken = limiter.take(key);
      expect({ at, key, result: taken.ok ? true : taken.retryAfterSeconds }).toEqual({ at, key, result: expected });
    }
  });

  it('check throws the contract error with the wait in its details', () => {
    const limiter = new KeyRateLimiter(1, 1, () => 0);
    limiter.check('a');
    expect(() => limiter.check('a')).toThrow(expect.objectContaining({ status: 429, code: 'rate_limited', details: { retry_after_seconds: 1 } }));
  });
});
