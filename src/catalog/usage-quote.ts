import type { Knex } from 'knex';
import { findAccount } from '../accounts/accounts.queries';
import { spendableBalances } from '../credits/ledger.queries';
import { breakdownFor } from '../credits/provider-costs';
import { prepareUsage, type UsageInput } from '../credits/usage.service';
import { heldCredits } from '../holds/holds.queries';
import { microToCredits } from '../shared/amounts';
import { NotFoundError } from '../shared/errors';
import { findPlan } from './catalog.queries';

export interface UsageQuote {
  credits: number;
  breakdown: unknown[];
  balance: number;
  available: number;
  balance_after_if_charged: number;
  overage_if_charged: number;
  would_exceed: boolean;
  overage_allowed: boolean;
  tokens: number;
  tokens_available: number;
  would_exceed_tokens: boolean;
}

/**
 * POST /v1/usage/quote: what POST /v1/usage would charge for the same body (seed 000's "exact
 * cost before execution"), priced and validated by the very code that charges it, with nothing
 * written. `would_exceed`: the charge is more than the credits available (spendable grants minus
 * active holds): a 402 on a plan without overage, overage on one with it. `would_exceed_tokens`:
 * the same for the model tokens, on a plan with a monthly token allowance.
 */
export async function quoteUsage(db: Knex, input: Omit<UsageInput, 'idempotencyKey' | 'requestHash'>): Promise<UsageQuote> {
  const account = await findAccount(db, input.accountId);
  if (!account) throw new NotFoundError('Account', input.accountId);
  const prepared = await prepareUsage(db, { ...input, idempotencyKey: 'quote', requestHash: 'quote' });
  const [spendable, held, plan] = await Promise.all([spendableBalances(db, input.accountId, new Date()), heldCredits(db, input.accountId), findPlan(db, account.plan_id)]);
  const balance = spendable.credits;
  const available = balance - held > 0n ? balance - held : 0n;
  const charge = prepared.priced.charged;
  const fromGrants = charge < balance ? charge : balance;
  const tokens = plan && BigInt(plan.included_tokens) > 0n ? (prepared.request.modelTokens?.amount ?? 0n) : 0n;
  return {
    credits: microToCredits(charge),
    breakdown: breakdownFor(prepared.breakdown, 'customer'),
    balance: microToCredits(balance),
    available: microToCredits(available),
    balance_after_if_charged: microToCredits(balance - fromGrants),
    overage_if_charged: microToCredits(charge - fromGrants),
    would_exceed: charge > available,
    overage_allowed: plan?.overage_allowed ?? false,
    tokens: Number(tokens),
    tokens_available: Number(spendable.tokens),
    would_exceed_tokens: tokens > spendable.tokens,
  };
}
