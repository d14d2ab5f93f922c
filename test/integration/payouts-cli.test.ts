import { spawn } from 'node:child_process';
import path from 'node:path';
import { markPayoutFailed } from '../../src/payouts/send-transfer';
import { preparePayout } from '../../src/payouts/prepare-payout';
import { testDb } from '../helpers/db';
import { settle } from '../helpers/settle-cli';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, planOne, testConfig, useTools } from '../helpers/payout-harness';
import { readStackInfo } from '../helpers/stack-info';

/** `settle payouts run|list|retry` against the stack's API. */
const db = testDb();
afterAll(() => db.destroy());


async function earning(monthsAgo: number, quantity: number) {
  const month = monthStart(monthsAgo);
  const publisher = await makePublisher(db);
  const tool = await makeTool(db, publisher.id, '100');
  await useTools(db, await makeAccount(db, month), [{ tool, quantity }], new Date(month.getTime() + 60_000));
  return { publisher, period: periodOf(month), asOf: monthStart(monthsAgo - 1) };
}

describe('settle payouts', () => {
  it('run: starts the period and follows it to the end with progress', async () => {
    const { publisher, period } = await earning(26, 50);
    const result = await settle('payouts', 'run', '--period', period);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toMatch(new RegExp(`^Payout run payout-run:${period} for ${period} \\(as of .+\\): \\d+ payout\\(s\\)$`));
    expect(result.out.some((line) => /^Paying publishers: \d+\/\d+/.test(line))).toBe(true);
    expect(result.out.at(-1)).toMatch(/^Done: .*\d+ paid/);
    expect(await db('payouts').where({ publisher_id: publisher.id, period }).first()).toMatchObject({ status: 'paid', amount: '4000' });
  });

  it('list --status failed shows why; retry re-runs it and a second retry is refused', async () => {
    const { publisher, period, asOf } = await earning(27, 50);
    const payoutId = await planOne(db, publisher.id, period, asOf);
    await preparePayout(db, testConfig(), { payoutId, asOf });
    await markPayoutFailed(db, { payoutId, attempt: 1, code: 'balance_insufficient', reason: 'You have insufficient available funds in your Stripe account.' });

    const listed = await settle('payouts', 'list', '--status', 'failed', '--publisher', publisher.id);
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toMatch(/^ID\s+PUBLISHER\s+PERIOD\s+AMOUNT\s+STATUS\s+ATTEMPTS\s+TRANSFER\s+REASON$/);
    expect(listed.out[2]).toContain(payoutId);
    expect(listed.out[2]).toMatch(/40\.00 USD\s+failed\s+1\s+You have insufficient available funds/);
    expect(listed.out.at(-1)).toBe('1 of 1 payout(s)');

    const retried = await settle('payouts', 'retry', payoutId);
    expect(retried.err).toEqual([]);
    expect(retried.code).toBe(0);
    expect(retried.out[0]).toBe(`Retrying ${payoutId} (attempt 2, workflow payout:${publisher.id}:${period}:retry-2)`);
    expect(retried.out.at(-1)).toMatch(/paid\s+2\s+tr_/);

    const again = await settle('payouts', 'retry', payoutId);
    expect(again.code).toBe(1);
    expect(again.err[0]).toMatch(/^settle: 409 conflict: Payout .* is already paid/);
  });

  it('reports bad input and a missing key with a non-zero exit code', async () => {
    const bad = await settle('payouts', 'run', '--period', '2026-13', '--no-wait');
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toMatch(/^settle: 400 validation_failed: .* \(period\)$/);
    expect((await settle('payouts', 'list', '--status', 'lost')).code).not.toBe(0);
  });

  it('runs as a binary (bin/settle.js, what npx settle runs)', async () => {
    const stack = readStackInfo();
    const root = path.resolve(__dirname, '../..');
    // Asynchronously: the stack's API and worker live in this very process (jest in band).
    const run = (env: Record<string, string>, ...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, 'bin/settle.js'), ...args], {
          cwd: root,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: stack.dataDir, ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    const listed = await run({ SETTLE_API_URL: stack.apiUrl, SETTLE_API_KEY: stack.adminApiKey }, 'payouts', 'list', '--json', '--limit', '1');
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ data: expect.any(Array), meta: { limit: 1, offset: 0 } });
    const keyless = await run({ SETTLE_API_URL: stack.apiUrl, DATA_DIR: '/nonexistent' }, 'payouts', 'list');
    expect(keyless.status).toBe(2);
    expect(keyless.stderr).toMatch(/No API key/);
  });
});
