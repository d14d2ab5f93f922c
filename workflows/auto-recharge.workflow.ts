import { ApplicationFailure, condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AutoRechargeState, AutoRechargeWorkflowInput, BeginOutcome, Crossing } from '../src/auto-recharge/auto-recharge.types';
import { issueInvoiceAsChild } from './issue-invoice.workflow';

/** Database steps: short and idempotent, retried until they succeed. */
const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/**
 * The Stripe charge: a decline or any other final answer comes back as a value and is recorded,
 * never retried. What is retried is only Stripe not answering (5xx, 429, network), always with the
 * attempt's own idempotency key, so Stripe charges once however often it is asked.
 */
const stripe = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const crossingSignal = defineSignal<[Crossing]>('crossing');
export const autoRechargeStateQuery = defineQuery<AutoRechargeState>('state');

/**
 * autoRecharge (id auto-recharge:<account id>): turns threshold crossings into at most one
 * charge in flight. Crossings arrive as `crossing` signals (signal-with-start from the debit path,
 * possibly from several API processes); each is handled in turn: commit attempt n (or resume a
 * pending one), charge it off-session, record the answer, invoice a success. A crossing handled
 * after an earlier recharge already lifted the balance charges nothing. The run ends when no
 * crossing is left; the next one starts a fresh run.
 */
export async function autoRecharge(input: AutoRechargeWorkflowInput): Promise<AutoRechargeState> {
  if (!input?.accountId) throw ApplicationFailure.nonRetryable('autoRecharge needs an accountId', 'invalid_input');
  const state: AutoRechargeState = { account_id: input.accountId, step: 'waiting', crossings: [], results: [] };
  const queue: Crossing[] = [];
  setHandler(crossingSignal, (crossing) => {
    if (state.crossings.includes(crossing.entryId)) return;
    state.crossings.push(crossing.entryId);
    queue.push(crossing);
  });
  setHandler(autoRechargeStateQuery, () => state);

  // Started by signal-with-start, the first crossing is already queued; a plain start waits briefly for one.
  await condition(() => queue.length > 0, '1 minute');
  while (queue.length > 0) {
    const crossing = queue.shift()!;
    state.step = 'charging';
    const begun = await db.beginAutoRecharge({ accountId: input.accountId, crossing });
    state.results.push({ crossing: crossing.entryId, ...(await recharge(input.accountId, begun, state)) });
  }
  state.step = 'done';
  return state;
}

async function recharge(accountId: string, begun: BeginOutcome, state: AutoRechargeState): Promise<{ outcome: string; attempt: number | null; reason: string | null }> {
  switch (begun.kind) {
    case 'skipped':
      return { outcome: `skipped_${begun.reason}`, attempt: null, reason: null };
    case 'failed':
      return { outcome: 'failed', attempt: begun.n, reason: begun.reason };
    case 'charge': {
      const charged = await stripe.chargeAutoRecharge({ accountId, n: begun.n });
      const finished = await db.finishAutoRecharge({ accountId, n: begun.n, outcome: charged });
      if (finished.kind === 'failed') return { outcome: 'failed', attempt: finished.n, reason: finished.reason };
      await invoiceRecharge(accountId, begun.n, state);
      return { outcome: finished.kind === 'succeeded' ? 'succeeded' : `already_${finished.status}`, attempt: finished.n, reason: null };
    }
  }
}

/** Every successful recharge gets its invoice: issueInvoice child `invoice:autorecharge:<account>:<n>`. */
async function invoiceRecharge(accountId: string, n: number, state: AutoRechargeState): Promise<void> {
  state.step = 'invoicing';
  const invoice = await db.autoRechargeInvoiceInput({ accountId, n });
  if (!invoice) return;
  const issued = await issueInvoiceAsChild(invoice);
  await db.recordAutoRechargeInvoice({ accountId, n, invoiceId: issued.invoiceId });
}
