/**
 * The figures the run reads from each process's /metrics (Prometheus text): sums of the samples
 * of one metric whose labels include the given ones.
 */
export function metricSum(text: string | null, name: string, labels: Record<string, string> = {}): number | null {
  if (!text) return null;
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (!Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) continue;
    sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

const fixed = (value: number | null, digits = 0) => (value === null || Number.isNaN(value) ? '–' : value.toFixed(digits));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

/** One row per process: what an operator's dashboard would show for it. */
export function figuresOf(name: string, text: string | null): Record<string, string> {
  const debitCount = metricSum(text, 'settle_http_request_duration_seconds_count', { route: '/v1/credits/debit' });
  const debitSeconds = metricSum(text, 'settle_http_request_duration_seconds_sum', { route: '/v1/credits/debit' });
  return {
    process: name,
    requests: fixed(metricSum(text, 'settle_http_request_duration_seconds_count')),
    'debit mean ms': fixed(ratio(debitSeconds, debitCount) === null ? null : ratio(debitSeconds, debitCount)! * 1000, 1),
    'debit batches': fixed(metricSum(text, 'settle_debit_batch_size_count')),
    'mean batch': fixed(ratio(metricSum(text, 'settle_debit_batch_size_sum'), metricSum(text, 'settle_debit_batch_size_count')), 2),
    'mean wait ms': fixed(ratio(metricSum(text, 'settle_debit_batch_wait_seconds_sum'), metricSum(text, 'settle_debit_batch_wait_seconds_count')) === null ? null : ratio(metricSum(text, 'settle_debit_batch_wait_seconds_sum'), metricSum(text, 'settle_debit_batch_wait_seconds_count'))! * 1000, 2),
    'pool used/max': `${fixed(metricSum(text, 'settle_db_pool_connections', { state: 'used' }))}/${fixed(metricSum(text, 'settle_db_pool_max'))}`,
    'activities/slots': `${fixed(metricSum(text, 'settle_temporal_worker_activities_in_flight'))}/${fixed(metricSum(text, 'settle_temporal_worker_activity_slots'))}`,
    'inbox lag s': fixed(metricSum(text, 'settle_webhook_inbox_oldest_age_seconds'), 1),
    'close done': fixed(metricSum(text, 'settle_close_accounts_done')),
    'payouts paid': fixed(metricSum(text, 'settle_payouts', { status: 'paid' })),
    'rss MiB': fixed(metricSum(text, 'settle_process_resident_memory_bytes') === null ? null : metricSum(text, 'settle_process_resident_memory_bytes')! / 2 ** 20),
  };
}

export function markdownTable(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  const width = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(width[i]!)).join(' | ')} |`;
  return [line(columns), line(width.map((w) => '-'.repeat(w))), ...rows.map((row) => line(columns.map((c) => row[c] ?? '')))].join('\n');
}
