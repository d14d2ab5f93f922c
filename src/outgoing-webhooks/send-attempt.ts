import { webhookHeaders } from './compute/signature';
import type { ClaimedDelivery } from './claim-deliveries';

/** What one attempt got: an HTTP status (null when there was no answer) and, when it failed, why. */
export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export const ATTEMPT_TIMEOUT_MS = 10_000;

/** The body every receiver gets (API.md): the same bytes on every attempt of an event. */
export function eventBody(delivery: Pick<ClaimedDelivery, 'event_id' | 'type' | 'event_created_at' | 'account_id' | 'payload'>): string {
  return JSON.stringify({ id: delivery.event_id, type: delivery.type, created_at: new Date(delivery.event_created_at).toISOString(), account_id: delivery.account_id, data: delivery.payload });
}

/** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
export function signingSecrets(delivery: Pick<ClaimedDelivery, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>, now: Date): string[] {
  const previousValid = delivery.previous_secret && delivery.previous_secret_expires_at && new Date(delivery.previous_secret_expires_at) > now;
  return previousValid ? [delivery.secret, delivery.previous_secret!] : [delivery.secret];
}

/**
 * One POST to the receiver, signed, with a 10 s timeout. Redirects are never followed (a 3xx is
 * a failed attempt, like any non-2xx): a receiver cannot send our signed request elsewhere or
 * into a loop. The answer's body is not read.
 */
export async function sendAttempt(delivery: ClaimedDelivery, now = new Date()): Promise<AttemptResult> {
  const body = eventBody(delivery);
  const headers = webhookHeaders({ id: delivery.event_id, timestamp: Math.floor(now.getTime() / 1000), body, secrets: signingSecrets(delivery, now) });
  const started = Date.now();
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      body,
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Settle-Webhooks/1' },
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return { statusCode: response.status, error: ok ? null : `receiver answered ${response.status}`, durationMs: Date.now() - started };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : `${error instanceof Error ? error.message : String(error)}${cause}`;
    return { statusCode: null, error: message.slice(0, 500), durationMs: Date.now() - started };
  }
}
