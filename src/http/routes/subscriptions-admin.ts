import { z } from 'zod';
import { setPlanByAdmin } from '../../subscriptions/admin-plan.service';
import { subscriptionView } from '../../subscriptions/subscription-view';
import { defineRoute } from '../route';
import { idParam } from '../schemas/common';
import { subscriptionSchema } from './subscriptions';

export const subscriptionAdminRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/admin/accounts/:id/plan',
    summary: 'Set the plan of an account billed outside Stripe: now (an upgrade grants the new plan’s included credits for the rest of the period) or at period end',
    tag: 'Subscriptions',
    access: 'admin',
    params: z.strictObject({ id: idParam('acct') }),
    body: z.strictObject({ plan: z.string().trim().min(1).max(64), effective: z.enum(['now', 'period_end']).default('now') }),
    errors: [409],
    response: { status: 200, description: 'the account’s subscription', schema: subscriptionSchema.extend({ outcome: z.string() }) },
    handler: async ({ params, body, deps }) => {
      const outcome = await setPlanByAdmin(deps.db, params.id, body.plan, body.effective);
      return { status: 200, body: { ...(await subscriptionView(deps.db, params.id)), outcome } };
    },
  }),
];
