import type { Knex } from 'knex';
import { InsufficientCreditsError } from '../credits/credits-errors';
import { checkReplay } from '../credits/ledger.service';
import { priceUsageItems, type UsageItemInput } from '../credits/usage.service';
import { NotFoundError } from '../shared/errors';
import { newId } from '../shared/ids';
import { placedHoldView } from './hold-views';
import { findHold } from './holds.queries';

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

interface SettleHoldRow {
  outcome: 'ok' | 'replay' | 'insufficient' | 'no_account';
  hold_id: string | null;
  available: string | null;
  request_hash: string | null;
}

/** POST /v1/holds: price the estimate, then one `settle_hold` call (migrations/sql/settle-hold.ts). */
export async function placeHold(db: Knex, input: PlaceHoldInput) {
  const amount = 'credits' in input.amount ? input.amount.credits : (await priceUsageItems(db, input.amount.items, input.amount.markup)).priced.charged;
  const id = newId('hold');
  const expiresAt = new Date(Date.now() + input.ttlSeconds * 1000);
  const { rows } = await db.raw('select * from settle_hold(?, ?, ?, ?, ?, ?, ?, ?)', [
    input.accountId,
    id,
    amount.toString(),
    expiresAt,
    input.agent,
    input.taskId,
    input.idempotencyKey,
    input.requestHash,
  ]);
  const row = rows[0] as SettleHoldRow;
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
    case 'no_account':
      throw new NotFoundError('Account', input.accountId);
  }
}
