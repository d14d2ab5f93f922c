import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Knex } from 'knex';
import { AppError, UnauthorizedError } from '../shared/errors';
import { sha256Hex } from '../shared/ids';
import type { Access } from './route';

/** The bootstrap admin key (ADMIN_API_KEY) has no row; this stable id names it in the audit log. */
export const BOOTSTRAP_ADMIN_KEY_ID = 'key_bootstrap';

export type Principal =
  | { role: 'public' }
  | { role: 'admin'; keyId: string }
  | { role: 'account'; accountId: string; keyId: string }
  | { role: 'publisher'; publisherId: string; keyId: string };

interface KeyRow {
  id: string;
  role: 'account' | 'publisher';
  account_id: string | null;
  publisher_id: string | null;
}

/**
 * Resolves bearer keys to principals. Lookups are cached for a few seconds because every metered
 * call authenticates. A revocation is announced to every process (LISTEN/NOTIFY, see
 * accounts/key-revocations.ts), which drops the key at once; `ttlMs` bounds the staleness only
 * while that announcement cannot arrive (the listener reconnecting).
 */
export class KeyResolver {
  private readonly cache = new Map<string, { principal: Principal | null; expires: number }>();

  constructor(
    private readonly db: Knex,
    private readonly adminKeyHash: string,
    private readonly ttlMs = 5000,
  ) {}

  async resolve(secret: string): Promise<Principal | null> {
    const hash = sha256Hex(secret);
    if (crypto.timingSafeEqual(Buffer.from(hash), Buffer.from(this.adminKeyHash))) return { role: 'admin', keyId: BOOTSTRAP_ADMIN_KEY_ID };
    const cached = this.cache.get(hash);
    if (cached && cached.expires > Date.now()) return cached.principal;
    const row: KeyRow | undefined = await this.db('api_keys')
      .select('id', 'role', 'account_id', 'publisher_id')
      .where('key_hash', hash)
      .whereNull('revoked_at')
      .first();
    const principal = row ? toPrincipal(row) : null;
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(hash, { principal, expires: Date.now() + this.ttlMs });
    return principal;
  }

  forget(): void {
    this.cache.clear();
  }

  /** Drops the cached lookups that resolved to `keyId` (revoked here or in another process). */
  forgetKey(keyId: string): void {
    for (const [hash, entry] of this.cache) {
      const principal = entry.principal;
      if (principal && 'keyId' in principal && principal.keyId === keyId) this.cache.delete(hash);
    }
  }
}

function toPrincipal(row: KeyRow): Principal {
  return row.role === 'account'
    ? { role: 'account', accountId: row.account_id!, keyId: row.id }
    : { role: 'publisher', publisherId: row.publisher_id!, keyId: row.id };
}

/** `req` is Express's request or Node's own (the metering lane): only its Authorization header is read. */
export async function authenticate(req: { headers: IncomingHttpHeaders }, access: Access[], keys: KeyResolver): Promise<Principal> {
  const header = req.headers.authorization;
  if (access.includes('public') && !header) return { role: 'public' };
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedError();
  const principal = await keys.resolve(match[1]!);
  if (!principal) throw new UnauthorizedError('The API key is unknown or revoked');
  if (access.includes('public') || access.includes(principal.role as Access)) return principal;
  throw new AppError(403, 'forbidden', `This endpoint needs a key with role ${access.join(' or ')}`);
}
