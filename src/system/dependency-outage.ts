import type { Client } from '@temporalio/client';
import { isGrpcDeadlineError, isGrpcServiceError } from '@temporalio/client';
import { UnavailableError } from '../shared/errors';

/**
 * Which dependency an error says is down, if any. Such an error is the caller's to retry later
 * (503 + Retry-After), not a bug on our side (500).
 */
export type Outage = 'database' | 'temporal';

/** Node socket errors, and PostgreSQL's admin shutdown (57P0x) and connection exception (08xxx) classes. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03']);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /timeout exceeded when trying to connect/i,
  /Timeout acquiring a connection/i, // knex: every pooled connection is gone and none can be made
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /terminating connection due to (unexpected postmaster exit|administrator command)/i,
];
/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED: Temporal did not answer. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

export function dependencyOutage(error: unknown): Outage | null {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    // Stripe's own connection errors carry socket codes too; they are not ours to call an outage.
    if (String((current as { type?: unknown }).type ?? '').startsWith('Stripe')) return null;
    if (isGrpcServiceError(current) && (current.code === GRPC_UNAVAILABLE || current.code === GRPC_DEADLINE_EXCEEDED)) return 'temporal';
    if (isGrpcDeadlineError(current)) return 'temporal';
    if ((current as Error).name === 'ServiceError' && /UNAVAILABLE|DEADLINE_EXCEEDED/.test(String((current as Error).message))) return 'temporal';
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return 'database';
    if ((current as Error).name === 'KnexTimeoutError') return 'database';
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'database';
  }
  return null;
}

/** How long a client should wait before retrying: a supervised restart takes a few seconds. */
export const RETRY_AFTER_SECONDS = 5;

const PROBE_MS = 2000;

/**
 * For routes whose whole job is to hand work to Temporal: ask it first, with a short deadline, so
 * an outage answers 503 at once instead of after the client's ~20 s of gRPC retries.
 */
export async function requireTemporalReachable(temporal: Client): Promise<void> {
  try {
    await temporal.withDeadline(Date.now() + PROBE_MS, () => temporal.workflowService.getSystemInfo({}));
  } catch (error) {
    throw new UnavailableError('Temporal (the workflow engine) is not reachable right now; retry shortly', {
      dependency: 'temporal',
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}
