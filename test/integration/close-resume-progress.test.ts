import { MockActivityEnvironment } from '@temporalio/testing';
import { createPeriodActivities } from '../../activities/periods.activities';
import { loadConfig } from '../../src/config/config';
import { createStripe } from '../../src/integrations/stripe/client';
import { issueInvoiceNow } from '../../src/invoices/issue-invoice-now';
import { invoiceSettingsFromConfig } from '../../src/invoices/invoice-settings';
import { completeAccountClose, prepareAccountClose } from '../../src/periods/close.service';
import { createAccount } from '../../src/accounts/accounts.service';
import { privatePeriod } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';

/**
 * A close killed in the middle of a page: the killed attempt closed some accounts and never
 * reported them; the page is retried by Temporal and finds them closed. The progress must count
 * every account closed by the run, once, whichever attempt closed it.
 */
const db = testDb();
const config = loadConfig({}, 'embedded');
const deps = { config, db, stripe: createStripe({ apiBase: readStackInfo().stripeApiBase }) };
const activities = createPeriodActivities(deps);
const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => new MockActivityEnvironment().run(fn, ...args);

// Through the service, not the API: the close is what is under test, not account creation.
const accountIn = (period: { start: Date }, plan: string) => createAccount(db, { name: `close ${plan}`, plan, periodStart: period.start });

afterAll(async () => {
  await db.destroy();
});

/** What the killed attempt did for one account before it died: closed it, reported nothing. */
async function closeWithoutReporting(accountId: string, period: string) {
  const prepared = await prepareAccountClose(deps, accountId, period);
  if (prepared.outcome !== 'prepared') throw new Error(`expected to prepare ${accountId}: ${prepared.outcome}`);
  const invoice = prepared.invoice ? await issueInvoiceNow(db, invoiceSettingsFromConfig(config), prepared.invoice) : null;
  await completeAccountClose(db, accountId, period, invoice?.invoiceId ?? null);
}

describe('close progress after a crash', () => {
  it('counts accounts closed by the killed attempt of a page, once, and a re-recorded page changes nothing', async () => {
    const period = await privatePeriod(db);
    const accounts = [];
    for (let i = 0; i < 5; i++) accounts.push(await accountIn(period, i % 2 ? 'pro' : 'free'));
    const ids = accounts.map((a) => a.id).sort();

    const begun = await inActivity(activities.beginClose, { period: period.key, workflowId: `close:${period.key}:crash` });
    expect(begun).toEqual({ total: 5, finished: null });
    // the attempt that was killed: two accounts closed, the page never recorded
    await closeWithoutReporting(ids[0]!, period.key);
    await closeWithoutReporting(ids[3]!, period.key);

    const retried = await inActivity(activities.closeAccounts, { period: period.key, accountIds: ids });
    expect(retried).toEqual({ done: 5, failures: [] });
    expect(await db('closes').where({ period: period.key }).first()).toMatchObject({ accounts_total: 5, accounts_done: 5 });

    // the page's recording retried (its activity completion was lost): still 5, not 10
    expect(await inActivity(activities.closeAccounts, { period: period.key, accountIds: ids })).toEqual({ done: 5, failures: [] });
    const finished = await inActivity(activities.finishClose, { period: period.key });
    expect(finished).toMatchObject({ status: 'completed', accounts_total: 5, accounts_done: 5, failures: [] });
    expect(await db('periods').where({ period: period.key, status: 'closed' }).whereIn('account_id', ids)).toHaveLength(5);
  }, 60_000);

  it('a re-run after a completed close counts only what it closed itself', async () => {
    const period = await privatePeriod(db);
    const first = await accountIn(period, 'free');
    await inActivity(activities.beginClose, { period: period.key, workflowId: `close:${period.key}:1` });
    await inActivity(activities.closeAccounts, { period: period.key, accountIds: [first.id] });
    expect(await inActivity(activities.finishClose, { period: period.key })).toMatchObject({ accounts_total: 1, accounts_done: 1 });

    // an account that joined the period late: the next run closes it alone
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await accountIn(period, 'free');
    expect(await inActivity(activities.beginClose, { period: period.key, workflowId: `close:${period.key}:2` })).toEqual({ total: 1, finished: null });
    expect(await inActivity(activities.closeAccounts, { period: period.key, accountIds: [late.id] })).toEqual({ done: 1, failures: [] });
    expect(await inActivity(activities.finishClose, { period: period.key })).toMatchObject({ status: 'completed', accounts_total: 1, accounts_done: 1 });
  }, 60_000);
});
