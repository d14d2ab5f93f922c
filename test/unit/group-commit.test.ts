import { GroupCommit } from '../../src/db/group-commit';

/** Group commit (src/db/group-commit.ts), the micro-batcher of debits, hold placements and captures. */
describe('GroupCommit', () => {
  /** A batch call that answers when the test says so, recording each batch it was given. */
  function gatedCall() {
    const batches: number[][] = [];
    const gates: Array<() => void> = [];
    const call = (requests: number[]) => {
      batches.push(requests);
      return new Promise<string[]>((resolve) => gates.push(() => resolve(requests.map((n) => `answer ${n}`))));
    };
    return { batches, call, open: (i: number) => gates[i]!() };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('sends a request at once when idle; requests arriving meanwhile leave together, each answered', async () => {
    const { batches, call, open } = gatedCall();
    const commit = new GroupCommit(call, { stallMs: 60_000, maxInFlight: 4, maxBatch: 3 });
    const first = commit.submit(1);
    const rest = [2, 3, 4, 5].map((n) => commit.submit(n));
    expect(batches).toEqual([[1]]);
    open(0);
    expect(await first).toBe('answer 1');
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4]]); // at most maxBatch per call, one call in flight
    open(1);
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    open(2);
    expect(await Promise.all(rest)).toEqual(['answer 2', 'answer 3', 'answer 4', 'answer 5']);
  });

  it.each([
    ['one bad request in a batch fails alone', [7, 8, 9], [8], ['ok 7', 'failed 8', 'ok 9']],
    ['a batch that fails as a whole is retried one by one', [1, 2], [], ['ok 1', 'ok 2']],
    ['a lone request that fails is rejected', [4], [4], ['failed 4']],
  ])('%s', async (_name, requests, bad, expected) => {
    const calls: number[][] = [];
    const call = async (batch: number[]) => {
      calls.push(batch);
      if (batch.length > 1 || batch.some((n) => bad.includes(n))) throw new Error(`failed ${batch.join(',')}`);
      return batch.map((n) => `ok ${n}`);
    };
    const commit = new GroupCommit(call, { stallMs: 60_000, maxInFlight: 1, maxBatch: 10 });
    const blocker = commit.submit(0); // in flight, so the requests below leave as one batch
    const answers = requests.map((n) => commit.submit(n).catch((error: Error) => error.message));
    await blocker;
    expect(await Promise.all(answers)).toEqual(expected);
    expect(calls[1]).toEqual(requests);
  });
});
