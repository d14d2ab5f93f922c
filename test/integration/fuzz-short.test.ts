import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run fuzz -- --short` as part of the test suite: Schemathesis over /openapi.json, on a stack
 * of its own that checks every answer against its schema, once with the admin key and once with
 * an account key. It exits 0 only when no request got a 5xx or an answer the document does not
 * describe.
 */
const root = path.resolve(__dirname, '../..');

describe('API fuzz (short form)', () => {
  it('finds no 5xx and no undocumented answer with the admin key and with an account key', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'fuzz/run.ts'), '--short'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'error', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`fuzz exited ${code}:\n${output.slice(-20_000)}`);
    expect(output).toMatch(/== schemathesis with the admin key ==/);
    expect(output).toMatch(/== schemathesis with the account key ==/);
    expect(output.match(/Tested: (\d+)/g)).toHaveLength(2);
    expect(output).toMatch(/\nfuzz: passed/);
  }, 600_000);
});
