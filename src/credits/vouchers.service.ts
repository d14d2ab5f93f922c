import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { isUniqueViolation } from '../db/transaction';
import { microToCredits } from '../shared/amounts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { postCredit } from './ledger.service';
import { transactionView } from './ledger-views';

interface VoucherRow {
  id: string;
  code: string;
  credits: string;
  max_redemptions: number;
  redemptions: number;
  expires_at: Date | null;
  created_at: Date;
}

function voucherView(row: VoucherRow) {
  return {
    id: row.id,
    code: row.code,
    credits: microToCredits(row.credits),
    max_redemptions: row.max_redemptions,
    redemptions: row.redemptions,
    expires_at: row.expires_at ? new Date(row.expires_at).toISOString() : null,
  };
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function generateCode(): string {
  const bytes = crypto.randomBytes(12);
  let code = '';
  for (const byte of bytes) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}`;
}

export async function createVoucher(db: Knex, input: { code?: string; credits: bigint; maxRedemptions: number; expiresAt: Date | null }) {
  try {
    const [row] = await db<VoucherRow>('vouchers')
      .insert({
        id: newId('vch'),
        code: (input.code ?? generateCode()).toUpperCase(),
        credits: input.credits.toString(),
        max_redemptions: input.maxRedemptions,
        expires_at: input.expiresAt,
      })
      .returning('*');
    return voucherView(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('A voucher with this code already exists', { field: 'code' });
    throw error;
  }
}

/**
 * Redeems a code for an account: one redemption per account (a second → 409), at most
 * max_redemptions in all, none after expiry. The voucher row lock serialises redemptions.
 */
export async function redeemVoucher(db: Knex, accountId: string, code: string, now = new Date()) {
  return db.transaction(async (trx) => {
    const voucher = await trx<VoucherRow>('vouchers').where({ code: code.toUpperCase() }).forUpdate().first();
    if (!voucher) throw new NotFoundError('Voucher code');
    if (voucher.expires_at && voucher.expires_at <= now) throw new ValidationError('This voucher code has expired', { field: 'code' });
    const already = await trx('voucher_redemptions').where({ voucher_id: voucher.id, account_id: accountId }).first();
    if (already) throw new ConflictError('This account already redeemed this voucher code', { code: voucher.code });
    if (voucher.redemptions >= voucher.max_redemptions) throw new ConflictError('This voucher code has been fully redeemed', { code: voucher.code });
    const posted = await postCredit(trx, {
      accountId,
      unit: 'credits',
      kind: 'voucher',
      amount: BigInt(voucher.credits),
      type: 'voucher',
      idempotencyKey: `voucher:${voucher.id}`,
      source: `voucher:${voucher.id}`,
      reference: voucher.id,
      description: `Voucher ${voucher.code}`,
      effectiveAt: now,
    });
    await trx('voucher_redemptions').insert({ voucher_id: voucher.id, account_id: accountId, ledger_entry_id: posted.entry.id });
    await trx('vouchers').where({ id: voucher.id }).increment('redemptions', 1);
    return { data: { voucher_id: voucher.id, code: voucher.code, credits_added: microToCredits(voucher.credits), transaction: transactionView(posted.entry) } };
  });
}
