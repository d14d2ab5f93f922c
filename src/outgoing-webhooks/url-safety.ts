import dns from 'node:dns/promises';
import net from 'node:net';
import type { Config } from '../config/config';
import { ValidationError } from '../shared/errors';
import { isPrivateAddress } from './compute/private-address';

/** Private and loopback receivers: allowed when WEBHOOK_ALLOW_PRIVATE says so, else only when embedded (local development). */
export function privateReceiversAllowed(config: Pick<Config, 'WEBHOOK_ALLOW_PRIVATE' | 'mode'>): boolean {
  return config.WEBHOOK_ALLOW_PRIVATE ?? config.mode === 'embedded';
}

/** The addresses a URL's host reaches; empty when the name does not resolve. */
async function addressesOf(hostname: string): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return [host];
  try {
    return (await dns.lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return [];
  }
}

/**
 * Why a receiver URL may not be called, or null. Checked when an endpoint is saved and again
 * before every attempt (a name may resolve elsewhere later); a name that resolves to any private
 * address is refused as a whole.
 */
export async function receiverUrlProblem(url: string, allowPrivate: boolean): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (allowPrivate) return null;
  const addresses = await addressesOf(parsed.hostname);
  if (addresses.length === 0) return `host ${parsed.hostname} does not resolve`;
  if (addresses.some(isPrivateAddress)) return `host ${parsed.hostname} is a private or loopback address, which this deployment does not call (WEBHOOK_ALLOW_PRIVATE)`;
  return null;
}

export async function assertReceiverUrl(url: string, allowPrivate: boolean): Promise<void> {
  const problem = await receiverUrlProblem(url, allowPrivate);
  if (problem) throw new ValidationError(`url ${problem}`, { field: 'url' });
}
