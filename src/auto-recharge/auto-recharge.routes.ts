import { z } from 'zod';
import { accountIdOf } from '../http/principal';
import { defineRoute } from '../http/route';
import { creditAmount } from '../http/schemas/amounts';
import { getAutoRecharge, putAutoRecharge } from './auto-recharge-settings.service';

const attemptSchema = z.object({
  n: z.number(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  credits: z.number(),
  amount: z.number(),
  currency: z.string(),
  payment_intent_id: z.string().nullable(),
  failure_reason: z.string().nullable(),
  ledger_entry_id: z.string().nullable(),
  invoice_id: z.string().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});

const autoRechargeSchema = z.object({
  enabled: z.boolean(),
  threshold_credits: z.number().nullable(),
  recharge_credits: z.number().nullable(),
  updated_at: z.string().nullable(),
  attempts: z.array(attemptSchema).meta({ description: 'the latest charges, newest first' }),
});

export const autoRechargeRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/billing/auto-recharge',
    summary: 'Auto-recharge settings and the latest automatic charges',
    tag: 'Billing',
    access: 'account',
    response: { status: 200, description: 'settings (off until set) and attempts', schema: autoRechargeSchema },
    handler: async ({ principal, deps }) => ({ status: 200, body: await getAutoRecharge(deps.db, accountIdOf(principal)) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/billing/auto-recharge',
    summary: 'Buy credits automatically with the saved payment method when the balance falls below a threshold',
    tag: 'Billing',
    access: 'account',
    body: z.strictObject({
      enabled: z.boolean(),
      threshold_credits: creditAmount().meta({ description: 'a debit leaving the balance below this buys more credits' }),
      recharge_credits: creditAmount().meta({ description: 'credits each automatic charge buys (at least the minimum purchase, priced at the credit unit price)' }),
    }),
    errors: [409],
    response: { status: 200, description: 'the saved settings', schema: autoRechargeSchema },
    handler: async ({ body, principal, deps }) => ({
      status: 200,
      body: await putAutoRecharge(deps, { accountId: accountIdOf(principal), enabled: body.enabled, threshold: body.threshold_credits, recharge: body.recharge_credits }),
    }),
  }),
];
