import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run chaos -- --short` as CI runs it: its own stack, PostgreSQL, Temporal and the worker
 * killed with SIGKILL under debit and webhook load; it exits 0 only when no acknowledged debit
 * was lost or doubled, every paid purchase was credited once, and the ledger invariants hold.
 */
const root = path.resolve(__dirname, '../..');

describe('chaos (short form)', () => {
  it('survives kill -9 of PostgreSQL, Temporal and the worker with no violation', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/chaos/run.ts'), '--short'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`chaos exited ${code}:\n${output}`);
    expect(output).toMatch(/\| acknowledged debits lost\s+\| 0 \|/);
    expect(output).toMatch(/\| purchase duplicates\s+\| 0 \|/);
    expect(output).toMatch(/fault postgres at \d+ s: ready again/);
    expect(output).toMatch(/fault temporal at \d+ s: ready again/);
    expect(output).toMatch(/chaos: no violation/);
  }, 180_000);
});
