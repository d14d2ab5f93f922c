import type { Knex } from 'knex';
import { ValidationError } from '../shared/errors';
import { splitAccrual, shareUnits } from './compute/accrual-split';
import { reversalCredits, type Fraction } from './compute/reversal';
import { insertAccruals, type AccrualRow, type NewAccrual } from './accruals.queries';

/**
 * Refunded purchases reverse the publisher accruals they funded: NEGATIVE CARRY-FORWARD. Each
 * usage accrual funded by the refunded grant gets a reversal row (kind `reversal`, negative
 * credits and shares, same price and share as the original) that lowers the publisher's pending
 * earnings; a payout already sent is not clawed back with a transfer reversal, the next payouts
 * are smaller instead (and a publisher whose pending goes negative is carried forward until
 * new earnings cover it). Called by the refund workflow (`refund:<refund id>`).
 *
 * Traceability: usage ledger entries record the grants they burned (`ledger_entry_burns(e)`),
 * usage_events link entries to events, accruals carry the event id.
 *
 * How much: `fraction` of the purchase refunded (e.g. refunded / paid amount), or `credits`
 * (micro-credits of the grant's SPENT credits the refund covers; converted to the fraction
 * credits / Σ burned from the grant). See compute/reversal.ts for the rounding.
 *
 * Idempotent by refund id: reversal ids are `rev:<refund>:<accrual>`; a second call inserts nothing.
 */
type Integer = bigint | number | string; // activity inputs arrive as JSON: numbers or strings

export interface ReverseInput {
  grantId: string;
  refundId: string;
  /** e.g. {num: refunded minor units, den: purchase amount in minor units} */
  fraction?: { num: Integer; den: Integer };
  /** micro-credits */
  credits?: Integer;
  at?: Date;
}

export interface ReverseResult {
  refundId: string;
  rows: number;
  replayed: boolean;
  byPublisher: Array<{ publisherId: string; credits: bigint; publisherExact: bigint }>;
}

interface Funded {
  usage_event_id: string;
  credits_charged: string;
  burned: string;
}

export async function reverseAccrualsFundedBy(db: Knex, input: ReverseInput): Promise<ReverseResult> {
  if ((input.fraction === undefined) === (input.credits === undefined)) {
    throw new ValidationError('give exactly one of fraction or credits', { field: 'fraction' });
  }
  return db.transaction(async (trx) => {
    const none = { refundId: input.refundId, rows: 0, replayed: false, byPublisher: [] };
    const already = await trx('publisher_accruals').where({ refund_id: input.refundId }).count<Array<{ count: string }>>({ count: '*' }).first();
    if (Number(already?.count ?? 0) > 0) return { ...none, replayed: true };

    const funded = await usageFundedBy(trx, input.grantId);
    if (funded.length === 0) return none;
    const fraction = fractionOf(input, funded);
    if (fraction.num <= 0n) return none;
    if (fraction.den <= 0n || fraction.num > fraction.den) throw new ValidationError('fraction must be within (0, 1]', { field: 'fraction' });

    const byEvent = new Map(funded.map((row) => [row.usage_event_id, row]));
    // Lock the originals so concurrent refunds of other grants see each other's reversals.
    const originals: AccrualRow[] = await trx('publisher_accruals')
      .whereIn('usage_event_id', [...byEvent.keys()])
      .where({ kind: 'usage' })
      .orderBy('id')
      .forUpdate();
    const reversed = await reversedSoFar(trx, originals, input.grantId);

    const rows: NewAccrual[] = [];
    const totals = new Map<string, { credits: bigint; publisherExact: bigint }>();
    for (const original of originals) {
      const event = byEvent.get(original.usage_event_id!)!;
      const credits = reversalCredits({
        lineCredits: BigInt(original.credits),
        burned: BigInt(event.burned),
        charged: BigInt(event.credits_charged),
        fraction,
        reversedForGrant: reversed.forGrant.get(original.id) ?? 0n,
        reversedTotal: reversed.total.get(original.id) ?? 0n,
      });
      if (credits === 0n) continue;
      const row = reversalRow(original, credits, input);
      rows.push(row);
      const total = totals.get(original.publisher_id) ?? { credits: 0n, publisherExact: 0n };
      totals.set(original.publisher_id, { credits: total.credits + credits, publisherExact: total.publisherExact + BigInt(row.publisher_exact) });
    }
    await insertAccruals(trx, rows);
    return {
      refundId: input.refundId,
      rows: rows.length,
      replayed: false,
      byPublisher: [...totals].map(([publisherId, total]) => ({ publisherId, credits: total.credits, publisherExact: total.publisherExact })),
    };
  });
}

/** The usage events the grant paid for, with how much of each it paid (Σ its burns). */
async function usageFundedBy(trx: Knex.Transaction, grantId: string): Promise<Funded[]> {
  const grant = await trx('grants').where({ id: grantId }).first('id', 'account_id', 'starts_at');
  if (!grant) throw new ValidationError(`Unknown grant ${grantId}`, { field: 'grant_id' });
  const { rows } = await trx.raw(
    `select ue.id as usage_event_id, ue.credits_charged, sum((b->>'amount')::bigint) as burned
       from ledger_entries e
       cross join lateral jsonb_array_elements(ledger_entry_burns(e)) b
       join usage_events ue on ue.id = e.reference and ue.ledger_entry_id = e.id -- the entry itself, through the view
      where e.account_id = ? and e.unit = 'credits' and e.effective_at >= ? and e.type in ('usage', 'debit') and b->>'grant_id' = ?
      group by ue.id, ue.credits_charged`,
    [grant.account_id, grant.starts_at, grantId],
  );
  return rows;
}

/** The part refunded: as given, or `credits` of the grant's spent credits over all it spent. */
function fractionOf(input: ReverseInput, funded: Funded[]): Fraction {
  if (input.credits === undefined) return { num: BigInt(input.fraction!.num), den: BigInt(input.fraction!.den) };
  const totalBurned = funded.reduce((sum, row) => sum + BigInt(row.burned), 0n);
  const wanted = BigInt(input.credits);
  return { num: wanted > totalBurned ? totalBurned : wanted, den: totalBurned };
}

/** Credits already reversed of each original accrual: in all, and by refunds of this grant. */
async function reversedSoFar(trx: Knex.Transaction, originals: AccrualRow[], grantId: string) {
  const total = new Map<string, bigint>();
  const forGrant = new Map<string, bigint>();
  if (originals.length === 0) return { total, forGrant };
  const sums: Array<{ reverses_id: string; grant_id: string | null; total: string }> = await trx('publisher_accruals')
    .whereIn('reverses_id', originals.map((row) => row.id))
    .select('reverses_id', 'grant_id')
    .sum({ total: 'credits' })
    .groupBy('reverses_id', 'grant_id');
  for (const row of sums) {
    total.set(row.reverses_id, (total.get(row.reverses_id) ?? 0n) - BigInt(row.total));
    if (row.grant_id === grantId) forGrant.set(row.reverses_id, -BigInt(row.total));
  }
  return { total, forGrant };
}

/** The reversal of `credits` of an original accrual: negative, at its price and share. */
function reversalRow(original: AccrualRow, credits: bigint, input: ReverseInput): NewAccrual {
  const split = splitAccrual(-credits, BigInt(original.unit_price_micro_minor), shareUnits(original.share));
  return {
    id: `rev:${input.refundId}:${original.id}`,
    kind: 'reversal',
    publisher_id: original.publisher_id,
    account_id: original.account_id,
    usage_event_id: original.usage_event_id,
    position: original.position,
    tool: original.tool,
    quantity: '0',
    credits: (-credits).toString(),
    unit_price_micro_minor: original.unit_price_micro_minor,
    share: original.share,
    currency: original.currency,
    publisher_exact: split.publisher.toString(),
    platform_exact: split.platform.toString(),
    occurred_at: input.at ?? new Date(),
    refund_id: input.refundId,
    reverses_id: original.id,
    grant_id: input.grantId,
    payout_id: null,
  };
}
