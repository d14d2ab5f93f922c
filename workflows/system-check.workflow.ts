import { proxyActivities, defineQuery, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { recordSystemCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface SystemCheckState {
  step: 'starting' | 'writing' | 'done';
}

export const systemCheckStateQuery = defineQuery<SystemCheckState>('state');

/**
 * Proves the whole path: API → Temporal → worker → activity → PostgreSQL. The activity writes a
 * row keyed by this workflow's id and reads it back.
 */
export async function systemCheck(input: { note: string }): Promise<{ id: string; note: string; checkedAt: string; roundTripOk: boolean }> {
  const state: SystemCheckState = { step: 'starting' };
  setHandler(systemCheckStateQuery, () => state);
  state.step = 'writing';
  const result = await recordSystemCheck({ id: workflowInfo().workflowId, note: input.note });
  state.step = 'done';
  return result;
}
