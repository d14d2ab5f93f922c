import { z } from 'zod';
import type { Unit } from '../../credits/compute/burn-order';
import { debitPlain } from '../../credits/credits.service';
import { createdOrReplayed, idempotencyOf } from '../idempotency';
import { transactionView } from '../../credits/ledger-views';
import { listEntries, MAX_TRANSACTIONS_OFFSET } from '../../credits/reports.queries';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { idParam, listMeta, listQuery } from '../schemas/common';

/**
 * Credits and tokens follow the same ledger rules, so their plain-debit and transaction-list
 * endpoints are one route each, built for a unit (/credits/* and /tokens/*).
 */
export const transactionSchema = z.object({
  id: z.string(),
  type: z.string(),
  amount: z.number(),
  balance_after: z.number(),
  description: z.string().nullable(),
  created_at: z.string(),
  unit: z.enum(['credits', 'tokens']),
  seq: z.number().int().meta({ description: 'the entry’s gapless sequence number within the account and unit' }),
  overage: z.number().meta({ description: 'the part of a debit the balance did not cover (plans that allow overage)' }),
  reference: z.string().nullable().meta({ description: 'what the entry belongs to, e.g. the usage event or purchase id' }),
  effective_at: z.string().meta({ description: 'when it counts for periods (late usage: its event time)' }),
});

/**
 * Transaction pages: `starting_after` (Stripe's convention) is the keyset cursor and costs the
 * same at any depth; `offset` stays for existing callers within a bounded window.
 */
export const transactionsQuery = listQuery.extend({
  offset: z.coerce.number().int().min(0).max(MAX_TRANSACTIONS_OFFSET).default(0).meta({
    description: `rows to skip (at most ${MAX_TRANSACTIONS_OFFSET.toLocaleString('en-US')}); page deeper with starting_after`,
  }),
  starting_after: idParam('txn').optional().meta({
    description: 'a transaction id from the previous page (its last): the page continues with older transactions',
  }),
});

/** The answer's `has_more`: whether a page follows (pass the last id as starting_after). */
export const hasMoreSchema = z.boolean().meta({ description: 'more transactions follow: ask again with starting_after set to the last id of this page' });

export function plainDebitRoute(spec: { path: string; summary: string; tag: string; unit: Unit; amount: z.ZodType<bigint, number> }) {
  return defineRoute({
    method: 'post',
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    access: 'account',
    idempotencyKey: true,
    body: z.strictObject({ amount: spec.amount, description: z.string().max(500).optional(), idempotency_key: z.string().min(1).max(255).optional() }),
    errors: [402, 409],
    response: { status: 201, description: 'the ledger entry', schema: z.object({ data: transactionSchema }) },
    handler: async ({ body, req, principal, deps }) => {
      const result = await debitPlain(deps.db, {
        accountId: accountIdOf(principal),
        unit: spec.unit,
        amount: body.amount,
        description: body.description ?? null,
        ...idempotencyOf(req, body.idempotency_key),
      });
      return createdOrReplayed(result);
    },
  });
}

export function transactionsRoute(spec: { path: string; summary: string; tag: string; unit: Unit }) {
  return defineRoute({
    method: 'get',
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    access: 'account',
    query: transactionsQuery,
    response: {
      status: 200,
      description: 'a page of transactions',
      schema: z.object({ data: z.array(transactionSchema), has_more: hasMoreSchema, meta: listMeta }),
    },
    handler: async ({ query, principal, deps }) => {
      const page = await listEntries(deps.db, accountIdOf(principal), spec.unit, { ...query, startingAfter: query.starting_after });
      const meta = { total: page.total, limit: query.limit, offset: query.offset };
      return { status: 200, body: { data: page.rows.map(transactionView), has_more: page.hasMore, meta } };
    },
  });
}
