/**
 * What the autoRecharge workflow, its activities and its clients exchange. Plain types only:
 * workflows import them with `import type`, and every value is JSON (bigints travel as strings).
 */

export const AUTO_RECHARGE_WORKFLOW = 'autoRecharge';
export const CROSSING_SIGNAL = 'crossing';

export const autoRechargeWorkflowId = (accountId: string) => `auto-recharge:${accountId}`;
/** Stripe idempotency key of attempt n's PaymentIntent, and ledger key of its credits. */
export const autoRechargeKey = (accountId: string, n: number) => `auto-recharge:${accountId}:${n}`;

export interface AutoRechargeWorkflowInput {
  accountId: string;
}

/** A debit that left the balance under the threshold, as the API saw it. */
export interface Crossing {
  /** the debit's ledger entry; the workflow ignores a repeat */
  entryId: string;
  /** micro-credits, decimal string */
  balanceAfter: string;
  at: string;
}

export type AttemptStatus = 'pending' | 'succeeded' | 'failed';

/** What beginning a recharge found: an attempt to charge (new or left pending by a stopped run), or nothing to do. */
export type BeginOutcome =
  | { kind: 'charge'; n: number; resumed: boolean }
  | { kind: 'skipped'; reason: 'disabled' | 'above_threshold' }
  | { kind: 'failed'; n: number; reason: string };

/** Stripe's final answer on an attempt's PaymentIntent. Retryable errors are thrown, not returned. */
export type ChargeOutcome =
  | { kind: 'succeeded'; paymentIntentId: string }
  | { kind: 'failed'; reason: string; paymentIntentId: string | null }
  | { kind: 'already'; status: AttemptStatus };

export type FinishOutcome =
  | { kind: 'succeeded'; n: number; ledgerEntryId: string; creditsAdded: string }
  | { kind: 'failed'; n: number; reason: string }
  | { kind: 'already'; n: number; status: AttemptStatus };

export interface AutoRechargeState {
  account_id: string;
  step: 'waiting' | 'charging' | 'invoicing' | 'done';
  crossings: string[];
  results: Array<{ crossing: string; outcome: string; attempt: number | null; reason: string | null }>;
}
