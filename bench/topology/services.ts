import crypto from 'node:crypto';
import path from 'node:path';
import type { Config } from '../../src/config/config';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/runtime/embedded-postgres';
import { startStripeMock, type StripeMockServer } from '../../src/runtime/stripe-mock';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/runtime/temporal-dev-server';

/**
 * The external services of a production deployment, started once on this machine: PostgreSQL
 * (embedded binaries, no supervisor: the script stops and starts it on purpose), the Temporal dev
 * server and stripe-mock. The Settle processes are pointed at them as they would be at a managed
 * database, a Temporal cluster and Stripe.
 */
export interface Services {
  databaseUrl: string;
  temporalAddress: string;
  stripeApiBase: string;
  adminApiKey: string;
  webhookSecret: string;
  /** Stops PostgreSQL (fast shutdown: open transactions abort) until `startPostgres`. */
  stopPostgres(): Promise<void>;
  /** Starts it again on the same port and data, where every pool expects it. */
  startPostgres(): Promise<void>;
  stop(): Promise<void>;
}

export async function startServices(config: Config): Promise<Services> {
  const logDir = path.join(config.dataDir, 'logs');
  const log = () => undefined;
  const pgOptions = { dataDir: config.dataDir, logDir, database: 'settle' };
  let postgres: EmbeddedPostgresServer | null = null;
  let temporal: TemporalDevServer | null = null;
  let stripeMock: StripeMockServer | null = null;
  const stop = async () => {
    await stripeMock?.process.stop().catch(() => undefined);
    await temporal?.process.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
  };
  try {
    [postgres, temporal, stripeMock] = await Promise.all([
      startEmbeddedPostgres(pgOptions),
      startTemporalDevServer({ explicitPath: config.TEMPORAL_CLI_PATH, cacheDir: config.cacheDir, dataDir: config.dataDir, logDir, namespace: config.TEMPORAL_NAMESPACE, headless: true, log }),
      startStripeMock({ explicitPath: config.STRIPE_MOCK_PATH, cacheDir: config.cacheDir, logDir, log }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const { port, databaseUrl } = postgres;
  return {
    databaseUrl,
    temporalAddress: temporal.address,
    stripeApiBase: stripeMock.apiBase,
    adminApiKey: `sk_topology_${crypto.randomBytes(18).toString('hex')}`,
    webhookSecret: `whsec_${crypto.randomBytes(18).toString('hex')}`,
    async stopPostgres() {
      await postgres?.stop();
      postgres = null;
    },
    async startPostgres() {
      postgres = await startEmbeddedPostgres({ ...pgOptions, port });
    },
    stop,
  };
}
