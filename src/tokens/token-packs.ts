import type { Db } from '../db/knex';
import { minorToMajor } from '../shared/amounts';

/** A token pack for sale (migration 20261204000140): whole tokens for a price. */
export interface TokenPackRow {
  id: string;
  tokens: string;
  price_minor: string;
  currency: string;
  active: boolean;
}

export const listTokenPacks = (db: Db): Promise<TokenPackRow[]> => db<TokenPackRow>('token_packs').where({ active: true }).orderBy('price_minor');

export const findTokenPack = async (db: Db, id: string): Promise<TokenPackRow | null> =>
  (await db<TokenPackRow>('token_packs').where({ id, active: true }).first()) ?? null;

/**
 * A pack as GET /v1/tokens/plans lists it, in the credit packages' shape (`id`, `price`,
 * `currency` upper case) with `tokens` in place of `credits`. Tokens have no unit price, so
 * there is no `amount` (a credit package's face value) to show.
 */
export function tokenPackView(row: TokenPackRow) {
  return {
    type: 'pack' as const,
    id: row.id,
    tokens: Number(row.tokens),
    price: minorToMajor(row.price_minor),
    currency: row.currency.toUpperCase(),
  };
}
