import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { markPayoutFailed } from '../../src/payouts/send-transfer';
import { preparePayout } from '../../src/payouts/prepare-payout';
import { accountIn, privatePeriod } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, planOne, testConfig, useTools, waitFor } from '../helpers/payout-harness';
import { extractPdfText } from '../helpers/pdf-text';
import { readStackInfo } from '../helpers/stack-info';
import { checkoutSessionEvent, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, purchaseCredits, toMinor } from '../helpers/stripe-checkout';
import { launchChromium, LAPTOP, PHONE, shownBalance, signIn, waitForShown } from './chromium';

/**
 * The console in real headless Chromium against the test stack: what a customer and finance ops
 * do with it, through the same pages, buttons and API a person would use.
 */
const db = testDb();
const stack = readStackInfo();
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await db.destroy();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: LAPTOP, acceptDownloads: true });
  page = await context.newPage();
});
afterEach(() => context.close());

describe('console: customer', () => {
  it('signs in, buys credits on the local payment page, sees the balance change, downloads the invoice PDF', async () => {
    const account = await createTestAccount('Console Buyer');
    await signIn(page, stack.apiUrl, account.apiKey);
    const before = await shownBalance(page);
    await page.getByRole('heading', { name: 'Usage this period' }).waitFor();

    await page.getByLabel('Credits to buy').fill('250');
    await page.getByRole('button', { name: 'Buy credits' }).click();
    await page.waitForURL(/\/dev\/checkout\/pur_[a-z0-9]+$/);
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.getByRole('link', { name: 'Back to the console' }).click();

    // The webhook settles the purchase through Temporal: reload the overview until it shows.
    const after = await waitFor('the bought credits on the overview', async () => {
      await page.reload();
      const shown = await shownBalance(page);
      return shown === before + 250 ? shown : null;
    });
    expect(after).toBe(before + 250);

    await page.getByRole('link', { name: 'Transactions' }).click();
    const purchaseRow = page.getByRole('row').filter({ hasText: 'purchase' }).first();
    await expect(purchaseRow.textContent()).resolves.toContain('250');

    await page.getByRole('link', { name: 'Invoices' }).click();
    const invoice = await waitFor('the purchase invoice', async () => {
      const row = await db('invoices').where({ account_id: account.id }).first('id', 'number');
      if (!row) return null;
      await page.reload();
      return row as { id: string; number: string };
    });
    const downloaded = page.waitForEvent('download');
    await page.getByRole('button', { name: `Download PDF of ${invoice.number}` }).click();
    const download = await downloaded;
    expect(download.suggestedFilename()).toBe(`${invoice.number}.pdf`);
    const pdf = fs.readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await extractPdfText(pdf)).text).toContain(invoice.number);
  });

  it('refuses a wrong key with the reason and keeps the form', async () => {
    await page.goto(`${stack.apiUrl}/console`);
    await page.getByLabel('API key').fill('sk_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/unauthorized/);
    await expect(page.getByLabel('API key').isVisible()).resolves.toBe(true);
  });

  it('fits a phone: the overview has no sideways scroll and the sections stay reachable', async () => {
    const account = await createTestAccount('Console Phone');
    await page.setViewportSize(PHONE);
    await signIn(page, stack.apiUrl, account.apiKey);
    await shownBalance(page);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole('link', { name: 'Plan' }).click();
    await page.getByRole('heading', { name: /^Current plan: free$/ }).waitFor();
  });
});

describe('console: finance ops', () => {
  it('starts a close and watches it complete', async () => {
    const period = await privatePeriod(db);
    await accountIn(period, 'free');
    await accountIn(period, 'free');
    await signIn(page, stack.apiUrl, stack.adminApiKey);
    await page.getByRole('link', { name: 'Closes' }).click();
    // Workflow ids link to the Temporal UI once its address is known (here typed in, kept in the browser).
    await page.getByText('Temporal UI address').click();
    await page.getByLabel('Temporal Web UI URL').fill('http://127.0.0.1:8233');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByLabel('Period (YYYY-MM)').fill(period.key);
    await page.getByRole('button', { name: 'Start close' }).click();
    await waitForShown(page, 'close-status', /^completed$/);
    await expect(page.getByTestId('close-count').textContent()).resolves.toBe('2 of 2');
    await expect(page.getByText('No failures.').isVisible()).resolves.toBe(true);
    const link = page.getByRole('link', { name: new RegExp(`close:${period.key}`) });
    await expect(link.getAttribute('href')).resolves.toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`close:${period.key}`)}`);
    expect(await db('closes').where({ period: period.key }).first('status')).toEqual({ status: 'completed' });
  });

  it('shows why a payout failed and retries it until it is paid', async () => {
    const month = monthStart(28);
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, month), [{ tool, quantity: 50 }], new Date(month.getTime() + 60_000));
    const period = periodOf(month);
    const payoutId = await planOne(db, publisher.id, period, monthStart(27));
    await preparePayout(db, testConfig(), { payoutId, asOf: monthStart(27) });
    await markPayoutFailed(db, { payoutId, attempt: 1, code: 'balance_insufficient', reason: 'You have insufficient available funds in your Stripe account.' });

    await signIn(page, stack.apiUrl, stack.adminApiKey);
    await page.getByRole('link', { name: 'Payouts' }).click();
    const row = page.locator(`tr[data-payout="${payoutId}"]`);
    await expect(row.textContent()).resolves.toContain('insufficient available funds');
    await row.getByRole('button', { name: `Retry payout ${payoutId}` }).click();
    await waitForShown(page, 'retried-status', /^paid$/);
    expect(await db('payouts').where({ id: payoutId }).first('status', 'attempts')).toEqual({ status: 'paid', attempts: 2 });
    await expect(page.locator(`tr[data-payout="${payoutId}"] [data-testid="payout-status"]`).textContent()).resolves.toBe('paid');
  });

  it('lists accounts, the webhook inbox, outgoing deliveries and billing mismatches', async () => {
    const account = await createTestAccount('Console Listed Co');
    const purchase = await purchaseCredits(account, 20);
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due), currency: purchase.currency });
    expect((await postWebhook(event)).status).toBeLessThan(300);
    await signIn(page, stack.apiUrl, stack.adminApiKey);
    // Each list is drawn from its endpoint without an error (an API error shows in the page).
    for (const section of ['Webhook inbox', 'Webhook deliveries', 'Billing mismatches']) {
      await page.getByRole('link', { name: section }).click();
      await page.getByRole('heading', { name: section, level: 1 }).waitFor();
      await page.locator('main table, main .empty').first().waitFor();
      await expect(page.locator('main .error').count()).resolves.toBe(0);
    }
    await page.getByRole('link', { name: 'Webhook inbox' }).click();
    await page.getByRole('cell', { name: event.id }).waitFor();
    await expect(page.getByRole('row').filter({ hasText: event.id }).textContent()).resolves.toContain(purchase.purchase_id);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByLabel('Name, email or id').fill(account.id);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Console Listed Co' }).click();
    await page.getByRole('heading', { name: 'Console Listed Co' }).waitFor();
    await expect(page.locator('main').textContent()).resolves.toContain(account.id);
  });
});
