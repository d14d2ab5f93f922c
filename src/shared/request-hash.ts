import crypto from 'node:crypto';

/** Stable JSON: object keys sorted, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What "the same request" means for idempotency: endpoint + body (minus the key itself). */
export function requestHash(endpoint: string, body: unknown): string {
  const { idempotency_key: _ignored, ...rest } = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return crypto.createHash('sha256').update(`${endpoint}\n${canonical(rest)}`).digest('hex');
}

/**
 * How many hex digits of a request hash identify "the same request": 128 bits. The debit path
 * stores only these (16 bytes fewer per ledger entry); rows written with the whole hash still
 * compare equal, since both sides are cut to this length.
 */
export const STORED_REQUEST_HASH_HEX = 32;

export function sameRequest(stored: string | null, requestHash: string | null): boolean {
  if (stored === null || requestHash === null) return stored === requestHash;
  return stored.slice(0, STORED_REQUEST_HASH_HEX) === requestHash.slice(0, STORED_REQUEST_HASH_HEX);
}

/** The prefix of a key made up for a request that sent none: it can never be replayed. */
export const GENERATED_KEY_PREFIX = 'auto:';
