import { z } from 'zod';
import { findAgentMarkup, setAccountAgentMarkup } from '../../pricing/agent-markup.queries';
import { effectiveMarkupBps, markupBpsToFraction } from '../../pricing/compute/agent-markup';
import { NotFoundError } from '../../shared/errors';
import type { Db } from '../../db/knex';
import { defineRoute } from '../route';
import { idParam } from '../schemas/common';
import { agentMarkupFraction } from '../schemas/agent-markup';

/** Seed 002's agent markup: the plan sets it (PUT /v1/admin/plans/:id agent_markup), an account may override it. */
const accountParams = z.object({ id: idParam('acct') });
const markupSchema = z.object({
  account_id: z.string(),
  plan: z.string(),
  agent_markup: z.number().meta({ description: 'what the account’s agent runs are charged: its override, else its plan’s' }),
  plan_agent_markup: z.number(),
  account_agent_markup: z.number().nullable().meta({ description: 'the override; null = the plan’s' }),
});

async function markupView(db: Db, accountId: string) {
  const row = await findAgentMarkup(db, accountId);
  if (!row) throw new NotFoundError('Account', accountId);
  return {
    account_id: row.account_id,
    plan: row.plan_id,
    agent_markup: markupBpsToFraction(effectiveMarkupBps(row.plan_bps, row.account_bps)),
    plan_agent_markup: markupBpsToFraction(row.plan_bps),
    account_agent_markup: row.account_bps === null ? null : markupBpsToFraction(row.account_bps),
  };
}

export const agentMarkupAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/accounts/:id/agent-markup',
    summary: 'The agent markup an account is charged, and where it comes from',
    tag: 'Catalog',
    access: 'admin',
    params: accountParams,
    response: { status: 200, description: 'the markup', schema: markupSchema },
    handler: async ({ params, deps }) => ({ status: 200, body: await markupView(deps.db, params.id) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/admin/accounts/:id/agent-markup',
    summary: 'Override an account’s agent markup (null: back to its plan’s)',
    tag: 'Catalog',
    access: 'admin',
    params: accountParams,
    body: z.strictObject({ agent_markup: agentMarkupFraction.nullable().meta({ description: 'a fraction (0.15 = 15%), or null for the plan’s' }) }),
    response: { status: 200, description: 'the markup', schema: markupSchema },
    handler: async ({ params, body, deps }) => {
      if (!(await setAccountAgentMarkup(deps.db, params.id, body.agent_markup))) throw new NotFoundError('Account', params.id);
      return { status: 200, body: await markupView(deps.db, params.id) };
    },
  }),
];
