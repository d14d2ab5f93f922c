import fs from 'node:fs';
import path from 'node:path';
import { newSecret } from '../shared/ids';

/**
 * A secret generated on first start and kept under DATA_DIR, so the admin key and the webhook
 * signing secret survive restarts of the embedded stack.
 */
export function loadOrCreateSecret(dataDir: string, fileName: string, kind: 'sk' | 'whsec'): string {
  const file = path.join(dataDir, fileName);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = kind === 'whsec' ? `whsec_${newSecret('sk').slice('sk_settle_'.length)}` : newSecret('sk');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
