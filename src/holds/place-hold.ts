import type { Knex } from 'knex';
import { AgentLimitError, InsufficientCreditsError } from '../credits/credits-errors';
import { checkReplay } from '../credits/ledger.service';
import { priceUsageItems, type UsageItemInput } from '../credits/usage.service';
import { NotFoundError } from '../shared/errors';
import { newId } from '../shared/ids';
import { placedHoldView } from './hold-views';
import { findHold } from './holds.queries';
import { submitPlacement } from './place-batcher';

export interface PlaceHoldInput {
  accountId: string;
  /** micro-credits to reserve, or the usage items whose price (as POST /v1/usage prices them) to reserve */
  amount: { credits: bigint } | { items: UsageItemInput[]; markup: 'agent' | null };
  ttlSeconds: number;
  agent: string | null;
  taskId: string | null;
  idempotencyKey: string;
  requestHash: string;
  purchaseUrl?: string;
}

/**
 * POST /v1/holds: price the estimate (cached catalog), then one `settle_hold` call
 * (migrations/20261204000102_holds_agent_limit_and_sweep.ts), micro-batched with concurrent
 * placements (src/holds/place-batcher.ts): one round trip, one commit for the lot.
 * A hold for an agent the plan has no room for is refused as a debit for it would be.
 */
export async function placeHold(db: Knex, input: PlaceHoldInput) {
  const amount = 'credits' in input.amount ? input.amount.credits : (await priceUsageItems(db, input.amount.items, input.amount.markup, input.accountId)).priced.charged;
  const id = newId('hold');
  const expiresAt = new Date(Date.now() + input.ttlSeconds * 1000);
  const row = await submitPlacement(db, {
    accountId: input.accountId,
    id,
    amount,
    expiresAt,
    agent: input.agent,
    taskId: input.taskId,
    idempotencyKey: input.idempotencyKey,
    requestHash: input.requestHash,
  });
  switch (row.outcome) {
    case 'ok':
      return { replayed: false, body: placedHoldView({ id, amount: amount.toString(), available_after: row.available!, expires_at: expiresAt }) };
    case 'replay': {
      checkReplay({ requestHash: row.request_hash, idempotencyKey: input.idempotencyKey }, input.requestHash);
      return { replayed: true, body: placedHoldView((await findHold(db, input.accountId, row.hold_id!))!) };
    }
    case 'insufficient': {
      const firstTool = 'items' in input.amount ? input.amount.items.find((item) => item.type === 'tool') : undefined;
      const tool = firstTool?.type === 'tool' ? firstTool.tool : null;
      throw new InsufficientCreditsError('credits', amount, BigInt(row.available!), { tool, purchaseUrl: input.purchaseUrl });
    }
    case 'agent_limit':
      throw new AgentLimitError(row.agent_limit!);
    case 'no_account':
      throw new NotFoundError('Account', input.accountId);
  }
}
