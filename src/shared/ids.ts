import crypto from 'node:crypto';

export type IdPrefix = 'acct' | 'pub' | 'txn' | 'use' | 'pur' | 'inv' | 'po' | 'vch' | 'key' | 'grt' | 'ref' | 'run' | 'chk' | 'hold' | 'evt' | 'we' | 'whd';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from the OS a pool at a time: a metered request makes several ids, and
// one randomFillSync per id showed up in the debit hot path's profile.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomBytes(count: number): Buffer {
  if (poolOffset + count > POOL_SIZE) {
    crypto.randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += count;
  return pool.subarray(poolOffset - count, poolOffset);
}

/** `acct_…`: a prefix that says what it is, then 20 random base-36 characters (~103 bits). */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(20);
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
