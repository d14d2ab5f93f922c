import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { overageAccounts, reportHourlyOverage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds' },
});

export interface OverageSweepInput {
  /** the hour reported (default: the run's start time, which the Schedule sets) */
  at?: string;
  /** accounts per page (default 500) */
  pageSize?: number;
  /** carried across continue-as-new */
  afterId?: string | null;
  progress?: OverageSweepState;
}

export interface OverageSweepState {
  at: string;
  accounts_seen: number;
  accounts_reported: number;
  failures: Array<{ account_id: string; reason: string }>;
}

export const overageSweepStateQuery = defineQuery<OverageSweepState>('state');

const PAGE = 500;

/**
 * The hourly overage report (started by a Schedule): every overage-plan account's overage since
 * its last report goes to Stripe meters under `overage:<account>:<period>:h<YYYYMMDDHH>`, so
 * Stripe sees usage during the month; the close's `…:final` report adds what is left, and the
 * reports of a period always sum to its overage.
 */
export async function overageSweep(input: OverageSweepInput = {}) {
  const at = input.at ?? workflowInfo().startTime.toISOString();
  const state: OverageSweepState = input.progress ?? { at, accounts_seen: 0, accounts_reported: 0, failures: [] };
  setHandler(overageSweepStateQuery, () => state);
  let afterId = input.afterId ?? null;
  for (;;) {
    const accounts = await overageAccounts({ afterId, limit: input.pageSize ?? PAGE });
    if (accounts.length === 0) break;
    afterId = accounts[accounts.length - 1]!.id;
    const result = await reportHourlyOverage({ accounts, at });
    state.accounts_seen += accounts.length;
    state.accounts_reported += result.reported;
    state.failures.push(...result.failures);
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof overageSweep>({ ...input, at, afterId, progress: state });
  }
  return state;
}
