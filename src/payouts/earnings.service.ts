import type { Knex } from 'knex';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { EXACT_PER_MINOR, floorToMinor } from './compute/accrual-split';

/**
 * GET /v1/publisher/earnings (seed 000 shape). Money is shown in major units, floored to the
 * minor unit from the exact sums (so total_earned = paid + pending_payout holds in what is shown);
 * credits_earned is the publisher's share of the credits spent on each tool (credits × share,
 * rounded half-up to the micro-credit for display), revenue its money value.
 */
export async function publisherEarnings(db: Knex, publisherId: string, currency: string) {
  const [totalRow, paidRow, last, tools] = await Promise.all([
    db('publisher_accruals').where({ publisher_id: publisherId, currency }).sum({ total: 'publisher_exact' }).first(),
    db('payouts').where({ publisher_id: publisherId, currency, status: 'paid' }).sum({ total: 'amount' }).first(),
    db('payouts').where({ publisher_id: publisherId, currency, status: 'paid' }).orderBy('paid_at', 'desc').first('amount', 'paid_at'),
    db('publisher_accruals')
      .where({ publisher_id: publisherId, currency })
      .whereIn('kind', ['usage', 'reversal'])
      .select('tool')
      .sum({ executions: 'quantity', credits_spent: 'credits', revenue_exact: 'publisher_exact' })
      .select(db.raw('round(sum(credits * share)) as credits_earned'))
      .groupBy('tool')
      .orderBy('tool') as unknown as Promise<Array<{ tool: string; executions: string; credits_spent: string; revenue_exact: string; credits_earned: string }>>,
  ]);
  const totalExact = BigInt((totalRow?.total as string | null) ?? '0');
  const paidMinor = BigInt((paidRow?.total as string | null) ?? '0');
  const major = (exact: bigint) => minorToMajor(floorToMinor(exact).minor);
  return {
    earnings: {
      total_earned: major(totalExact),
      pending_payout: major(totalExact - paidMinor * EXACT_PER_MINOR),
      last_payout: last ? minorToMajor(last.amount as string) : 0,
      last_payout_date: last ? (last.paid_at as Date).toISOString() : null,
      currency,
    },
    tools: tools.map((row) => ({
      tool: row.tool,
      executions: Number(row.executions),
      credits_earned: microToCredits(row.credits_earned),
      revenue: major(BigInt(row.revenue_exact)),
      credits_spent: microToCredits(row.credits_spent),
    })),
  };
}
