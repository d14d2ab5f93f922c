import type { Knex } from 'knex';
import { microToCredits } from '../shared/amounts';
import { NotFoundError } from '../shared/errors';
import { taskLines, taskTotals, type TaskLineRow } from './tasks.queries';

function lineView(row: TaskLineRow) {
  if (row.kind === 'tool') return { type: 'tool' as const, tool: row.name, executions: Number(row.executions), credits: microToCredits(row.credits) };
  return {
    type: 'model' as const,
    model: row.name,
    calls: row.calls,
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cache_write_tokens: Number(row.cache_write_tokens),
    cache_read_tokens: Number(row.cache_read_tokens),
    minutes: Number(row.milli_minutes) / 1000,
    images: Number(row.images),
    credits: microToCredits(row.credits),
  };
}

/**
 * GET /v1/tasks/:task_id (seed 001's per-task `creditsUsed`, seed 002's running total): what the
 * account's events naming this task used, with their lines summed per model and tool. The
 * agent markup and the rounding to 0.01 credit are their own lines, so the lines add up to creditsUsed.
 */
export async function taskDetail(db: Knex, accountId: string, taskId: string) {
  const [totals, lines] = await Promise.all([taskTotals(db, accountId, taskId), taskLines(db, accountId, taskId)]);
  if (totals.events === 0 || !totals.first_at || !totals.last_at) throw new NotFoundError('Task', taskId);
  const tokens = {
    input: Number(totals.input_tokens),
    output: Number(totals.output_tokens),
    cacheWrite: Number(totals.cache_write_tokens),
    cacheRead: Number(totals.cache_read_tokens),
  };
  // Lines are stored to the micro-credit and events rounded to 0.01 credit as a whole, so the
  // rounding line is what remains: the breakdown then adds up to creditsUsed exactly.
  const linesSum = lines.reduce((sum, row) => sum + BigInt(row.credits), 0n);
  const rounding = BigInt(totals.credits) - linesSum - BigInt(totals.markup);
  const eventLevel = [
    ...(BigInt(totals.markup) !== 0n ? [{ type: 'markup' as const, credits: microToCredits(totals.markup) }] : []),
    ...(rounding !== 0n ? [{ type: 'rounding' as const, credits: microToCredits(rounding) }] : []),
  ];
  return {
    task_id: taskId,
    creditsUsed: microToCredits(totals.credits),
    credits_used: microToCredits(totals.credits),
    tokens: { ...tokens, total: tokens.input + tokens.output + tokens.cacheWrite + tokens.cacheRead },
    events: totals.events,
    first_at: totals.first_at.toISOString(),
    last_at: totals.last_at.toISOString(),
    breakdown: [...lines.map(lineView), ...eventLevel],
  };
}
