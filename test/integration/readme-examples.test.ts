import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { api } from '../helpers/api';
import { readStackInfo } from '../helpers/stack-info';
import { waitFor } from '../helpers/stripe-checkout';

/**
 * The README's Quick start and "Credits and metering" shell examples, run as written against the
 * test stack, in order and in one shell (as a newcomer pastes them into one terminal), so the
 * README cannot rot. Only the address and the data directory are substituted: `localhost:8080`
 * becomes the stack's port and `.data/` its data directory. Every command must succeed: `set -e`
 * with pipefail, and curl fails on an HTTP error.
 */
const README = path.join(__dirname, '../../README.md');

/** The text of a section: from its `## ` heading to the next heading of any level. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const rest = markdown.slice(start + title.length + 5);
  const end = rest.search(/\n#{1,6} /);
  return end < 0 ? rest : rest.slice(0, end);
}

const bashBlocks = (text: string) => [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!.trimEnd());

/** The blocks that start the stack (the test stack stands in for them): they are checked, not run. */
const STARTING_THE_STACK = [/^npm install && npm start\s+#/, /^npm test\s+#/];

const run = (script: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-c', script], { cwd: path.join(__dirname, '../..'), env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });

describe('README examples', () => {
  const markdown = fs.readFileSync(README, 'utf8');
  const blocks = [...bashBlocks(section(markdown, 'Quick start')), ...bashBlocks(section(markdown, 'Credits and metering'))];
  const runnable = blocks.filter((block) => block.includes('localhost:8080'));

  it('has only API examples besides the commands that start the stack', () => {
    const starting = blocks.filter((block) => !block.includes('localhost:8080'));
    for (const block of starting) {
      for (const line of block.split('\n')) expect(STARTING_THE_STACK.some((pattern) => pattern.test(line))).toBe(true);
    }
    expect(runnable.length).toBeGreaterThanOrEqual(4);
  });

  it('runs every Quick start and metering example verbatim against a fresh stack, each succeeding', async () => {
    const stack = readStackInfo();
    const address = new URL(stack.apiUrl).host;
    const script = [
      'set -euo pipefail',
      // curl fails on an HTTP error; a newline after each answer keeps one JSON answer per line
      'curl() { command curl --fail-with-body --max-time 60 "$@"; echo; }',
      ...runnable.flatMap((block, index) => [
        `echo "::block ${index}::"`,
        block.replaceAll('localhost:8080', address).replaceAll('.data/', `${stack.dataDir}/`),
        'echo',
      ]),
      'echo "::done::"',
    ].join('\n');
    const result = await run(script, { ...process.env, DATA_DIR: stack.dataDir, SETTLE_API_URL: stack.apiUrl, SETTLE_API_KEY: '', ADMIN_API_KEY: '' });
    const outputs = result.stdout.split(/::block \d+::\n/).slice(1);
    const failedAt = outputs.length - 1;
    if (result.code !== 0 || !result.stdout.includes('::done::')) {
      throw new Error(`README example ${failedAt + 1} of ${runnable.length} failed (exit ${result.code}):\n${runnable[failedAt]}\n--- output ---\n${outputs[failedAt]}\n--- stderr ---\n${result.stderr}`);
    }

    // Every JSON answer is a success body, never the error shape.
    const answers = outputs.flatMap((output) => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)));
    for (const answer of answers) expect(answer).not.toHaveProperty('error');
    const find = (key: string) => answers.find((answer) => key in answer);
    expect(find('credits_used')).toMatchObject({ credits_used: expect.any(Number), breakdown: expect.any(Array) });
    expect(find('would_exceed')).toMatchObject({ would_exceed: false, credits: expect.any(Number) });
    expect(find('data')?.data).toEqual(expect.any(Object));

    // The local payment page's Pay (via `npx settle dev pay`) credits the purchase.
    const purchase = find('purchase_id');
    expect(purchase).toMatchObject({ purchase_id: expect.stringMatching(/^pur_/) });
    await waitFor('the README purchase to be credited', async () => {
      const status = (await api('GET', `/v1/billing/credits/purchases/${purchase!.purchase_id}`, { key: 'admin' })).body.status;
      return status === 'fulfilled';
    });
  });
});
