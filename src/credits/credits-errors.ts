import { AppError, ValidationError } from '../shared/errors';
import { microToCredits } from '../shared/amounts';
import type { Unit } from './compute/burn-order';

/** The seed-000 402 body, plus a purchase hint. */
export class InsufficientCreditsError extends AppError {
  constructor(unit: Unit, required: bigint, available: bigint, what: { tool?: string | null; purchaseUrl?: string }) {
    if (unit === 'tokens') {
      super(402, 'insufficient_tokens', 'Not enough tokens for this request: the monthly token allowance is used up; buy a token pack (POST /v1/tokens/checkout) or upgrade the plan', {
        tokens_required: Number(required),
        tokens_available: Number(available),
      });
      return;
    }
    super(402, 'insufficient_credits', 'Not enough credits to execute this tool', {
      credits_required: microToCredits(required),
      credits_available: microToCredits(available),
      tool: what.tool ?? null,
      ...(what.purchaseUrl ? { purchase_url: what.purchaseUrl } : {}),
    });
  }
}

export class AgentLimitError extends AppError {
  constructor(limit: number) {
    super(402, 'agent_limit_reached', `Your plan allows ${limit} agent${limit === 1 ? '' : 's'}; upgrade to use more`, { agent_limit: limit });
  }
}

export class ClosedPeriodError extends ValidationError {
  constructor() {
    super('timestamp falls in a billing period that is already closed', { field: 'timestamp' });
  }
}
