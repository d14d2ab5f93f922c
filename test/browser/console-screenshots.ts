import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/config/config';
import { preparePayout } from '../../src/payouts/prepare-payout';
import { markPayoutFailed } from '../../src/payouts/send-transfer';
import { startStack } from '../../src/runtime/stack';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, planOne, useTools } from '../helpers/payout-harness';
import { launchChromium, LAPTOP, PHONE, shownBalance, signIn, waitForShown } from './chromium';

/**
 * `npm run console:screenshots`: boots a fresh stack in a temporary directory, gives it a
 * customer with usage, a purchase and an invoice, a finished close and a failed payout, and saves
 * the console as a person sees it into docs/ (laptop and phone widths).
 */
const DOCS = path.resolve(__dirname, '../../docs');

async function json(apiUrl: string, key: string, method: string, urlPath: string, body?: unknown): Promise<any> {
  const response = await fetch(`${apiUrl}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${urlPath}: ${response.status} ${text}`);
  return JSON.parse(text);
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(DOCS, name), fullPage: true });
  process.stdout.write(`docs/${name}\n`);
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-screenshots-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', TEMPORAL_SCHEDULES: 'false', SEED_DEMO_CATALOG: 'true' }, 'embedded');
  const stack = await startStack(config, { headlessTemporal: true, log: () => undefined });
  const browser = await launchChromium();
  try {
    const { apiUrl, adminApiKey: admin } = stack;
    const db = stack.deps.db;
    fs.mkdirSync(DOCS, { recursive: true });

    // A customer on pro with a month's worth of metered calls.
    const customer = await json(apiUrl, admin, 'POST', '/v1/admin/accounts', { name: 'Acme Research', plan: 'pro', email: 'billing@acme.example' });
    const now = new Date();
    const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const days = Math.max(1, Math.floor((now.getTime() - monthStartMs) / 86_400_000) + 1);
    const calls: Array<[string, Record<string, unknown>]> = [
      ['stripe.customers.create', { type: 'tool', tool: 'stripe.customers.create', quantity: 3 }],
      ['openai.chat.completions', { type: 'tool', tool: 'openai.chat.completions', quantity: 2 }],
      ['web.search', { type: 'tool', tool: 'web.search', quantity: 6 }],
      ['claude-sonnet', { type: 'model', model: 'claude-sonnet', input_tokens: 42_000, output_tokens: 3_800 }],
      ['gpt-4o-mini', { type: 'model', model: 'gpt-4o-mini', input_tokens: 120_000, output_tokens: 9_000 }],
    ];
    for (let day = 0; day < Math.min(days, 12); day += 1) {
      for (const [index, [, item]] of calls.entries()) {
        if ((day + index) % 3 === 2) continue;
        const at = new Date(Math.min(now.getTime() - 60_000, monthStartMs + day * 86_400_000 + (index + 1) * 3_600_000));
        await json(apiUrl, customer.api_key, 'POST', '/v1/usage', { items: [item], timestamp: at.toISOString(), agent: index % 2 ? 'support-bot' : 'research-agent' });
      }
    }

    // Finance ops: a closed month with three accounts, and a payout Stripe refused.
    const old = monthStart(3);
    for (const name of ['Globex', 'Initech', 'Umbrella Labs']) {
      await json(apiUrl, admin, 'POST', '/v1/admin/accounts', { name, plan: 'free', period_start: old.toISOString() });
    }
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, monthStart(2)), [{ tool, quantity: 50 }], new Date(monthStart(2).getTime() + 60_000));
    const payoutId = await planOne(db, publisher.id, periodOf(monthStart(2)), monthStart(1));
    await preparePayout(db, config, { payoutId, asOf: monthStart(1) });
    await markPayoutFailed(db, { payoutId, attempt: 1, code: 'balance_insufficient', reason: 'You have insufficient available funds in your Stripe account.' });

    // The customer buys credits the way a person does: the console, then the local payment page.
    const context = await browser.newContext({ viewport: LAPTOP, acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page, apiUrl, customer.api_key);
    const before = await shownBalance(page);
    await page.getByLabel('Credits to buy').fill('2500');
    await page.getByRole('button', { name: 'Buy credits' }).click();
    await page.waitForURL(/\/dev\/checkout\//);
    await shoot(page, 'console-local-payment.png');
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.getByRole('link', { name: 'Back to the console' }).click();
    await until('the purchase on the overview', async () => {
      await page.reload();
      return (await shownBalance(page)) >= before + 2500;
    });
    await shoot(page, 'console-customer.png');
    await page.getByRole('link', { name: 'Transactions' }).click();
    await page.getByRole('heading', { name: 'Transactions' }).waitFor();
    await shoot(page, 'console-transactions.png');

    const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true });
    const phonePage = await phone.newPage();
    await signIn(phonePage, apiUrl, customer.api_key);
    await shownBalance(phonePage);
    await shoot(phonePage, 'console-phone.png');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, apiUrl, admin);
    await page.getByRole('link', { name: 'Closes' }).click();
    await page.getByLabel('Period (YYYY-MM)').fill(periodOf(old));
    await page.getByRole('button', { name: 'Start close' }).click();
    await waitForShown(page, 'close-status', /^completed/);
    await shoot(page, 'console-close.png');
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.locator(`tr[data-payout="${payoutId}"]`).waitFor();
    await shoot(page, 'console-finance-ops.png');
  } finally {
    await browser.close();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`console screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
