import type { Db } from '../db/knex';
import { effectiveMarkupBps } from './compute/agent-markup';

export interface AgentMarkupRow {
  account_id: string;
  plan_id: string;
  plan_bps: number;
  account_bps: number | null;
}

export async function findAgentMarkup(db: Db, accountId: string): Promise<AgentMarkupRow | null> {
  const row = await db('accounts as a')
    .join('plans as p', 'p.id', 'a.plan_id')
    .where('a.id', accountId)
    .first({ account_id: 'a.id', plan_id: 'a.plan_id', plan_bps: 'p.agent_markup_bps', account_bps: 'a.agent_markup_bps' });
  return (row as AgentMarkupRow | undefined) ?? null;
}

/**
 * The markup an agent run of this account is charged now. Read per event (one primary-key join)
 * rather than cached, so a plan change or an override applies to the very next run.
 */
export async function agentMarkupBpsOf(db: Db, accountId: string): Promise<bigint | null> {
  const row = await findAgentMarkup(db, accountId);
  return row ? effectiveMarkupBps(row.plan_bps, row.account_bps) : null;
}

export async function setAccountAgentMarkup(db: Db, accountId: string, bps: number | null): Promise<boolean> {
  return (await db('accounts').where({ id: accountId }).update({ agent_markup_bps: bps })) === 1;
}
