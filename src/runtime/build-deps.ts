import type { Config } from '../config/config';
import type { AppDeps } from '../app-deps';
import { createDb } from '../db/knex';
import { createStripe } from '../integrations/stripe/client';
import { connectClient, temporalTarget } from '../integrations/temporal/connect';
import { createLogger } from '../shared/logger';

export interface Endpoints {
  databaseUrl: string;
  temporalAddress: string;
  stripeApiBase: string | null;
  adminApiKey: string;
  webhookSecret: string;
}

/** The dependencies the API and the worker share, from resolved endpoints. */
export async function buildDeps(config: Config, endpoints: Endpoints): Promise<AppDeps> {
  const log = createLogger(config.LOG_LEVEL);
  const db = createDb(endpoints.databaseUrl, config.DATABASE_POOL_MAX);
  const temporal = await connectClient(temporalTarget(config, endpoints.temporalAddress));
  const stripe = createStripe({ secretKey: config.STRIPE_SECRET_KEY, apiBase: endpoints.stripeApiBase });
  return {
    config,
    db,
    temporal,
    stripe,
    log,
    adminApiKey: endpoints.adminApiKey,
    webhookSecret: endpoints.webhookSecret,
    stripeApiBase: endpoints.stripeApiBase,
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.temporal.connection.close();
  await deps.db.destroy();
}
