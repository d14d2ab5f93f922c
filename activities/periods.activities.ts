import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import { issueInvoiceNow } from '../src/invoices/issue-invoice-now';
import { invoiceSettingsFromConfig } from '../src/invoices/invoice-settings';
import { parsePeriodKey } from '../src/periods/compute/calendar-month';
import { hourWindow } from '../src/periods/compute/close-rules';
import { completeAccountClose, prepareAccountClose } from '../src/periods/close.service';
import { beginCloseRun, countClosedThisRun, finishCloseRun, recordCloseBatch, type CloseFailure } from '../src/periods/close-progress';
import { overageAccountsPage, reportOverage } from '../src/periods/overage.service';
import { accountsToClose, type CloseRow } from '../src/periods/periods.queries';
import { mapConcurrent } from '../src/shared/map-concurrent';

const closeResult = (row: CloseRow) => ({
  period: row.period,
  status: row.status,
  accounts_total: row.accounts_total,
  accounts_done: row.accounts_done,
  failures: row.failures,
});

const ACCOUNTS_IN_PARALLEL = 12;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** The month-end close and hourly overage steps; batch activities heartbeat per account. */
export function createPeriodActivities(deps: { config: Config; db: Knex; stripe: Stripe }) {
  const invoiceSettings = invoiceSettingsFromConfig(deps.config);
  return {
    async beginClose(input: { period: string; workflowId: string }) {
      const period = parsePeriodKey(input.period);
      if (!period) throw ApplicationFailure.nonRetryable(`not a period: ${input.period}`, 'validation_failed');
      if (period.end > new Date()) throw ApplicationFailure.nonRetryable(`period ${input.period} has not ended yet`, 'period_not_ended');
      const begun = await beginCloseRun(deps.db, input.period, input.workflowId);
      return { total: begun.total, finished: begun.finished ? closeResult(begun.finished) : null };
    },

    async listAccountsToClose(input: { period: string; afterId: string | null; limit: number }): Promise<string[]> {
      return accountsToClose(deps.db, input.period, parsePeriodKey(input.period)!.start, input.afterId, input.limit);
    },

    /**
     * A page of accounts, each closed end to end: steps 0–3, the period invoice (issueInvoice's
     * own idempotent steps, in place: see issueInvoiceNow) and the period row. One account
     * failing does not stop the others; its reason is recorded and a re-run retries it.
     */
    async closeAccounts(input: { period: string; accountIds: string[] }) {
      const failures: CloseFailure[] = [];
      await mapConcurrent(input.accountIds, ACCOUNTS_IN_PARALLEL, async (accountId, index) => {
        heartbeat({ index });
        try {
          const prepared = await prepareAccountClose(deps, accountId, input.period);
          if (prepared.outcome !== 'prepared') return;
          const invoice = prepared.invoice ? await issueInvoiceNow(deps.db, invoiceSettings, prepared.invoice) : null;
          await completeAccountClose(deps.db, accountId, input.period, invoice?.invoiceId ?? null);
        } catch (error) {
          failures.push({ account_id: accountId, reason: reasonOf(error) });
        }
      });
      // An earlier attempt of this page may have closed accounts before it died: they count too.
      const done = await countClosedThisRun(deps.db, input.period, input.accountIds);
      await recordCloseBatch(deps.db, input.period, input.accountIds, failures);
      return { done, failures };
    },

    async finishClose(input: { period: string }) {
      return closeResult(await finishCloseRun(deps.db, input.period));
    },

    async overageAccounts(input: { afterId: string | null; limit: number }) {
      return overageAccountsPage(deps.db, input.afterId, input.limit);
    },

    /**
     * The hourly report (credits and tokens, each on its meter) for a page of accounts; returns
     * failures instead of failing the page.
     */
    async reportHourlyOverage(input: { accounts: Array<{ id: string; period: string }>; at: string }) {
      const window = hourWindow(new Date(input.at));
      const failures: CloseFailure[] = [];
      let reported = 0;
      for (const [index, account] of input.accounts.entries()) {
        heartbeat({ index });
        try {
          const result = await reportOverage(deps, { accountId: account.id, period: account.period, window: `h${window}` });
          if (result.sent > 0n || result.sentTokens > 0n) reported++;
        } catch (error) {
          failures.push({ account_id: account.id, reason: reasonOf(error) });
        }
      }
      return { reported, failures };
    },
  };
}
