import crypto from 'node:crypto';

export type IdPrefix = 'acct' | 'pub' | 'txn' | 'use' | 'pur' | 'inv' | 'po' | 'vch' | 'key' | 'grt' | 'ref' | 'run' | 'chk';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `acct_…`: a prefix that says what it is, then 20 random base-36 characters (~103 bits). */
export function newId(prefix: IdPrefix): string {
  const bytes = crypto.randomBytes(20);
  let body = '';
  for (const byte of bytes) body += ALPHABET[byte % 36];
  return `${prefix}_${body}`;
}

/** A secret API key: shown once, stored as its sha256. */
export function newSecret(kind: 'sk' | 'pk' | 'whsec'): string {
  return `${kind}_settle_${crypto.randomBytes(24).toString('base64url')}`;
}

export function sha256Hex(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}
