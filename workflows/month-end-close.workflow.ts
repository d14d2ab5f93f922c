import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { beginClose, listAccountsToClose, finishClose } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds' },
});
const { closeAccounts } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // each account heartbeats; a page whose worker went away is retried within seconds
  heartbeatTimeout: '15 seconds',
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

/**
 * monthEndClose (id `close:<YYYY-MM>`): closes every account whose period ended, a page at a
 * time (one batch activity per page, heartbeating per account). Per account: expire/roll over
 * included credits, grant the next period, report overage to Stripe meters, issue the period
 * invoice (issueInvoice's steps, keyed by `period:<account>:<YYYY-MM>`), record the period row.
 * Every step is idempotent per account, so a re-run or a retried activity continues the work
 * and does nothing twice. Long closes continue as new to keep the history bounded; progress
 * travels with them and is the `state` query's answer.
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

    const completed = await closeAccounts({ period: input.period, accountIds: page });
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

