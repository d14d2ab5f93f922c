import { z } from 'zod';
import { MAX_AGENT_MARKUP_BPS, markupFractionToBps } from '../../pricing/compute/agent-markup';

/** An agent markup as a fraction of the subtotal (0.2 = 20%), at most 4 decimals → basis points. */
export const agentMarkupFraction = z
  .number({ error: 'must be a number' })
  .min(0, 'must be zero or more')
  .max(MAX_AGENT_MARKUP_BPS / 10_000, `must be at most ${MAX_AGENT_MARKUP_BPS / 10_000}`)
  .refine((value) => {
    try {
      markupFractionToBps(value);
      return true;
    } catch {
      return false;
    }
  }, 'may have at most 4 decimals (a basis point)')
  .transform((value) => markupFractionToBps(value));
