import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run topology -- --short` as CI runs it: 2 APIs and 2 workers in production mode behind a
 * load balancer, with their own PostgreSQL, Temporal and stripe-mock. A worker is killed with
 * SIGKILL during a close and during a payout run, each API is restarted with SIGTERM, and
 * PostgreSQL is stopped for 10 s, all under debit and webhook load. It exits 0 only when every
 * check held; the assertions below name the main ones so a failure says which.
 */
const root = path.resolve(__dirname, '../..');
let child: ChildProcess | null = null;

afterAll(() => {
  // Whatever happened, leave no API, worker or server of the run behind (its own process group).
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
});

describe('production topology (short form)', () => {
  it('survives worker kills mid-close and mid-payout, a rolling API restart and a PostgreSQL outage with every check passing', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/topology/run.ts'), '--short'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    if (code !== 0) throw new Error(`topology exited ${code}:\n${output}`);
    expect(output).toMatch(/close: SIGKILL worker-\d \(\d+ activities in flight\) at \d+\/200 accounts/);
    expect(output).toMatch(/\| close: accounts closed \/ expected\s+\| 200 \/ 200 /);
    expect(output).toMatch(/\| payouts: paid \/ planned, one transfer each\s+\| 20 \/ 20, 20 /);
    expect(output).toMatch(/\| rolling restart: requests, failed, duration\s+\| [1-9]\d*, 0, /);
    expect(output).toMatch(/\| acknowledged debits lost\s+\| 0 /);
    expect(output).toMatch(/\| debit duplicates\s+\| 0 /);
    expect(output).toMatch(/\| ledger invariant violations\s+\| 0 /);
    // the figures were scraped from every process's /metrics
    for (const name of ['api-1', 'api-2']) expect(output).toMatch(new RegExp(`^\\| ${name}\\s+\\| \\d+ `, 'm'));
    for (const name of ['worker-1', 'worker-2']) expect(output).toMatch(new RegExp(`^\\| ${name}\\s+\\|.*\\| \\d+/50 `, 'm'));
    expect(output).toMatch(/topology: all checks passed/);
  }, 900_000);
});
