import { z } from 'zod';

export const payoutSchema = z.object({
  id: z.string(),
  publisher_id: z.string(),
  period: z.string().meta({ description: 'YYYY-MM' }),
  amount: z.number().meta({ description: 'major units; for held / carried_forward: what was pending when evaluated' }),
  currency: z.string(),
  status: z.enum(['pending', 'paid', 'failed', 'held', 'carried_forward']),
  attempts: z.number().int(),
  transfer_id: z.string().nullable(),
  failure_reason: z.string().nullable().meta({ description: "Stripe's message when failed; why, when held" }),
  failure_code: z.string().nullable(),
  as_of: z.string(),
  paid_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
