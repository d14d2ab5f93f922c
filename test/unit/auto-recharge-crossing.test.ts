import { crossedThreshold } from '../../src/auto-recharge/compute/crossing';

const M = 1_000_000n;

describe('crossedThreshold: only the debit that takes the balance below the threshold', () => {
  it.each<[string, bigint, bigint, bigint, boolean]>([
    ['from above to below', 49n * M, 2n * M, 50n * M, true],
    ['from exactly the threshold to below', 49n * M, 1n * M, 50n * M, true],
    ['from above to exactly the threshold (not below)', 50n * M, 1n * M, 50n * M, false],
    ['staying above', 60n * M, 5n * M, 50n * M, false],
    ['already below before (a declined recharge left it there)', 40n * M, 5n * M, 50n * M, false],
    ['one micro-credit under', 50n * M - 1n, 1n, 50n * M, true],
    ['a pure overage debit (nothing taken from grants) at zero', 0n, 0n, 50n * M, false],
    ['a debit partly in overage that empties the balance', 0n, 60n * M, 50n * M, true],
  ])('%s', (_name, balanceAfter, charged, threshold, crossed) => {
    expect(crossedThreshold({ balanceAfter, charged, threshold })).toBe(crossed);
  });
});
