import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { issueInvoiceAsChild } from './issue-invoice.workflow';

const { beginClose, listAccountsToClose, finishClose } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds' },
});
const { prepareCloses, completeCloses } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds' },
});

export interface MonthEndCloseInput {
  period: string;
  /** accounts per page (default 200) */
  pageSize?: number;
  /** carried across continue-as-new */
  afterId?: string | null;
  progress?: CloseState;
}

export interface CloseState {
  period: string;
  status: 'starting' | 'closing' | 'finishing' | 'done';
  accounts_total: number;
  accounts_done: number;
  failures: Array<{ account_id: string; reason: string }>;
}

export const closeStateQuery = defineQuery<CloseState>('state');

const PAGE = 200;
const INVOICES_IN_PARALLEL = 100;

/**
 * monthEndClose (id `close:<YYYY-MM>`): closes every account whose period ended, a page at a
 * time. Per account: expire/roll over included credits, grant the next period, report overage
 * to Stripe meters (steps 1–3, one batch activity), issue the period invoice (issueInvoice child
 * workflows), record the period row (step 5). Every step is idempotent per account, so a re-run
 * or a retried activity continues the work and does nothing twice. Long closes continue as new
 * to keep the history bounded; progress travels with them.
 */
export async function monthEndClose(input: MonthEndCloseInput) {
  const state: CloseState = input.progress ?? { period: input.period, status: 'starting', accounts_total: 0, accounts_done: 0, failures: [] };
  setHandler(closeStateQuery, () => state);
  if (!input.progress) {
    const begun = await beginClose({ period: input.period, workflowId: workflowInfo().workflowId });
    // Re-running a finished close answers its result and changes nothing.
    if (begun.finished) return begun.finished;
    state.accounts_total = begun.total;
  }
  state.status = 'closing';
  let afterId = input.afterId ?? null;
  for (;;) {
    const page = await listAccountsToClose({ period: input.period, afterId, limit: input.pageSize ?? PAGE });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!;

    const prepared = await prepareCloses({ period: input.period, accountIds: page });
    const closed: Array<{ accountId: string; invoiceId: string | null }> = [];
    const failures = [...prepared.failures];
    for (let i = 0; i < prepared.prepared.length; i += INVOICES_IN_PARALLEL) {
      const chunk = prepared.prepared.slice(i, i + INVOICES_IN_PARALLEL);
      const results = await Promise.allSettled(chunk.map((item) => (item.invoice ? issueInvoiceAsChild(item.invoice) : Promise.resolve(null))));
      results.forEach((result, index) => {
        const accountId = chunk[index]!.accountId;
        if (result.status === 'fulfilled') closed.push({ accountId, invoiceId: result.value?.invoiceId ?? null });
        else failures.push({ account_id: accountId, reason: `invoice: ${failureMessage(result.reason)}` });
      });
    }
    const completed = await completeCloses({ period: input.period, closed, failures });
    state.accounts_done += completed.done;
    state.failures.push(...completed.failures);

    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5_000) {
      await continueAsNew<typeof monthEndClose>({ ...input, afterId, progress: state });
    }
  }
  state.status = 'finishing';
  const result = await finishClose({ period: input.period });
  state.status = 'done';
  return result;
}

function failureMessage(reason: unknown): string {
  if (!(reason instanceof Error)) return String(reason);
  return reason.cause instanceof Error ? reason.cause.message : reason.message;
}
