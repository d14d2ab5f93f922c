import type { Knex } from 'knex';
import { NotFoundError } from '../shared/errors';
import { newId } from '../shared/ids';
import type { GrantKind, Unit } from './compute/burn-order';
import { InsufficientCreditsError, ClosedPeriodError } from './credits-errors';
import { debit } from './debit-batcher';
import { checkReplay, postCredit } from './ledger.service';
import { findEntry } from './ledger.queries';
import { transactionView, grantView } from './ledger-views';

export interface Idempotency {
  key: string;
  requestHash: string;
}

/** A plain debit (seed 004 `POST /v1/credits/debit`, and `POST /v1/tokens/consume`). */
export async function debitPlain(
  db: Knex,
  input: { accountId: string; unit: Unit; amount: bigint; description: string | null; at?: Date } & Idempotency,
) {
  const outcome = await debit(db, {
    accountId: input.accountId,
    unit: input.unit,
    amount: input.amount,
    idempotencyKey: input.key,
    requestHash: input.requestHash,
    type: 'debit',
    description: input.description,
    reference: null,
    at: input.at ?? new Date(),
    entryId: newId('txn'),
    agent: null,
    usage: null,
    lines: null,
    accruals: null,
  });
  switch (outcome.kind) {
    case 'ok':
    case 'replay': {
      if (outcome.kind === 'replay') checkReplay({ requestHash: outcome.requestHash, idempotencyKey: input.key }, input.requestHash);
      const entry = (await findEntry(db, input.accountId, outcome.entryId))!;
      return { replayed: outcome.kind === 'replay', body: { data: transactionView(entry) } };
    }
    case 'insufficient':
    case 'insufficient_tokens':
      throw new InsufficientCreditsError(input.unit, input.amount, outcome.available, {});
    case 'closed_period':
      throw new ClosedPeriodError();
    case 'agent_limit':
    case 'no_account':
      throw new NotFoundError('Account', input.accountId);
  }
}

/** Admin deposits and grants: a new grant with its ledger entry. */
export async function grantCredits(
  db: Knex,
  input: {
    accountId: string;
    unit: Unit;
    kind: GrantKind;
    amount: bigint;
    type: 'deposit' | 'grant';
    description: string | null;
    expiresAt?: Date | null;
    priority?: number;
  } & Idempotency,
) {
  if (!(await db('accounts').where({ id: input.accountId }).first('id'))) throw new NotFoundError('Account', input.accountId);
  const posted = await postCredit(db, {
    accountId: input.accountId,
    unit: input.unit,
    kind: input.kind,
    amount: input.amount,
    type: input.type,
    idempotencyKey: input.key,
    requestHash: input.requestHash,
    description: input.description,
    expiresAt: input.expiresAt ?? null,
    priority: input.priority,
    source: `admin:${input.type}`,
  });
  return {
    replayed: posted.replayed,
    body: { data: { ...transactionView(posted.entry), grant: posted.grant ? grantView(posted.grant) : null } },
  };
}
