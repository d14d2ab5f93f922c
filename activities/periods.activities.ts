import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import type { IssueInvoiceInput } from '../src/invoices/issue-invoice.types';
import { parsePeriodKey } from '../src/periods/compute/calendar-month';
import { hourWindow } from '../src/periods/compute/close-rules';
import { completeAccountClose, prepareAccountClose } from '../src/periods/close.service';
import { beginCloseRun, finishCloseRun, recordCloseBatch, type CloseFailure } from '../src/periods/close-progress';
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

    /** Steps 1–3 for a page of accounts; one account failing does not stop the others. */
    async prepareCloses(input: { period: string; accountIds: string[] }) {
      const prepared: Array<{ accountId: string; invoice: IssueInvoiceInput | null }> = [];
      const skipped: string[] = [];
      const failures: CloseFailure[] = [];
      // Accounts are independent (each locks only its own rows): a few at a time.
      await mapConcurrent(input.accountIds, ACCOUNTS_IN_PARALLEL, async (accountId, index) => {
        heartbeat({ index });
        try {
          const result = await prepareAccountClose(deps, accountId, input.period);
          if (result.outcome === 'prepared') prepared.push({ accountId, invoice: result.invoice });
          else skipped.push(accountId);
        } catch (error) {
          failures.push({ account_id: accountId, reason: reasonOf(error) });
        }
      });
      return { prepared, skipped, failures };
    },

    /** Step 5 and the move to the next period, then the run's progress row. */
    async completeCloses(input: { period: string; closed: Array<{ accountId: string; invoiceId: string | null }>; failures: CloseFailure[] }) {
      let done = 0;
      const failures = [...input.failures];
      await mapConcurrent(input.closed, ACCOUNTS_IN_PARALLEL, async ({ accountId, invoiceId }, index) => {
        heartbeat({ index });
        try {
          await completeAccountClose(deps.db, accountId, input.period, invoiceId);
          done++;
        } catch (error) {
          failures.push({ account_id: accountId, reason: reasonOf(error) });
        }
      });
      await recordCloseBatch(deps.db, input.period, done, failures);
      return { done, failures };
    },

    async finishClose(input: { period: string }) {
      return closeResult(await finishCloseRun(deps.db, input.period));
    },

    async overageAccounts(input: { afterId: string | null; limit: number }) {
      return overageAccountsPage(deps.db, input.afterId, input.limit);
    },

    /** The hourly report for a page of accounts; returns failures instead of failing the page. */
    async reportHourlyOverage(input: { accounts: Array<{ id: string; period: string }>; at: string }) {
      const window = hourWindow(new Date(input.at));
      const failures: CloseFailure[] = [];
      let reported = 0;
      for (const [index, account] of input.accounts.entries()) {
        heartbeat({ index });
        try {
          const result = await reportOverage(deps, { accountId: account.id, period: account.period, window: `h${window}` });
          if (result.sent > 0n) reported++;
        } catch (error) {
          failures.push({ account_id: account.id, reason: reasonOf(error) });
        }
      }
      return { reported, failures };
    },
  };
}
