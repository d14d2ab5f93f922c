import type { Knex } from 'knex';
import { microToCredits } from '../shared/amounts';

/** When no alert settings were saved: 50, 80 and 100 % of the period's included credits, no low-balance floor. */
export const DEFAULT_THRESHOLDS_PERCENT = [50, 80, 100];

interface AlertRow {
  thresholds_percent: number[];
  low_balance_micro: string | null;
  updated_at: Date;
}

function alertsView(row: AlertRow | undefined) {
  return {
    thresholds_percent: row?.thresholds_percent ?? DEFAULT_THRESHOLDS_PERCENT,
    low_balance_credits: row?.low_balance_micro == null ? null : microToCredits(BigInt(row.low_balance_micro)),
    updated_at: row?.updated_at.toISOString() ?? null,
  };
}

export async function getAlerts(db: Knex, accountId: string) {
  return alertsView((await db('billing_alerts').where({ account_id: accountId }).first()) as AlertRow | undefined);
}

/**
 * Saves an account's alert settings; a field left out keeps its current value (or default). The
 * debit function reads them with the balance row, so the next debit uses them.
 */
export async function putAlerts(db: Knex, accountId: string, input: { thresholdsPercent?: number[]; lowBalance?: bigint | null }) {
  const current = (await db('billing_alerts').where({ account_id: accountId }).first()) as AlertRow | undefined;
  const thresholds = [...new Set(input.thresholdsPercent ?? current?.thresholds_percent ?? DEFAULT_THRESHOLDS_PERCENT)].sort((a, b) => a - b);
  const low = input.lowBalance !== undefined ? input.lowBalance : current?.low_balance_micro == null ? null : BigInt(current.low_balance_micro);
  const [row] = (await db('billing_alerts')
    .insert({ account_id: accountId, thresholds_percent: thresholds, low_balance_micro: low?.toString() ?? null, updated_at: db.fn.now() })
    .onConflict('account_id')
    .merge()
    .returning('*')) as AlertRow[];
  return alertsView(row);
}
