import { AppError } from '../shared/errors';
import type { Principal } from './auth';

/** The account an account key belongs to (routes with `access: 'account'` only get those). */
export function accountIdOf(principal: Principal): string {
  if (principal.role !== 'account') throw new AppError(403, 'forbidden', 'This endpoint needs an account API key');
  return principal.accountId;
}
