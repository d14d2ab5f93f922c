import type { Config } from '../config/config';
import type { Endpoints } from './build-deps';

/** In production mode every endpoint comes from the environment (checked by loadConfig). */
export function productionEndpoints(config: Config): Endpoints {
  return {
    databaseUrl: config.DATABASE_URL!,
    temporalAddress: config.TEMPORAL_ADDRESS!,
    stripeApiBase: config.STRIPE_SECRET_KEY ? null : config.STRIPE_API_BASE!,
    adminApiKey: config.ADMIN_API_KEY!,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET!,
  };
}
