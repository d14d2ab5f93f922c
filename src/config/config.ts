import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isCountryCode } from '../invoices/compute/countries';
import { numberFormatProblem } from '../invoices/compute/numbering';

/**
 * Every setting Settle reads from the environment, parsed once. A value that is given replaces
 * its embedded default; `mode: 'production'` (npm run api / worker) requires the external
 * services to be named instead of started.
 */
const optionalString = z.string().trim().min(1).optional();
const port = z.coerce.number().int().min(0).max(65535);

export const envSchema = z.object({
  PORT: port.default(8080),
  API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1).meta({ description: 'npm run api: HTTP processes sharing PORT (node:cluster), e.g. one per core' }),
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(10_000)
    .meta({ description: 'requests a second one API key may make to one API process (a token bucket; 429 rate_limited beyond it)' }),
  RATE_LIMIT_BURST: z.coerce.number().min(1).max(10_000_000).optional()
    .meta({ description: 'how many requests one API key may make at once before the rate applies; default twice RATE_LIMIT_PER_SECOND' }),
  DATA_DIR: z.string().min(1).default('./.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.url().optional(),
  ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),

  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('settle'),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: z.stringbool().default(false),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_SCHEDULES: z.stringbool().default(true).meta({ description: 'create the Schedules (closes, hourly overage, …) at worker start' }),

  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_BASE: z.url().optional(),
  STRIPE_MOCK_PATH: optionalString,
  STRIPE_METER_EVENT_NAME: z.string().min(1).default('settle_overage_credits'),
  STRIPE_TOKEN_METER_EVENT_NAME: z.string().min(1).default('settle_overage_tokens')
    .meta({ description: 'Stripe Billing meter event for token overage (value in tokens); must differ from STRIPE_METER_EVENT_NAME' }),
  DUNNING_GRACE_DAYS: z.coerce.number().positive().max(365).default(14)
    .meta({ description: 'days a subscription may stay past_due before the account falls back to free limits (fractions allowed)' }),
  CHECKOUT_SUCCESS_URL: z.url().optional(),
  CHECKOUT_CANCEL_URL: z.url().optional(),

  CREDIT_UNIT_PRICE: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'must be a decimal amount in major units, e.g. 0.01')
    .default('0.01')
    .meta({ description: 'price of one credit in CREDIT_CURRENCY major units (default 0.01)' }),
  CREDIT_CURRENCY: z.string().regex(/^[a-z]{3}$/, 'must be a lower-case ISO 4217 code').default('usd'),
  SEED_DEMO_CATALOG: z.stringbool().optional()
    .meta({ description: 'npm start: add the demo models and tools (demo prices) when missing; default on for npm start, off for npm run api / worker' }),
  PAYOUT_MINIMUM: z
    .string()
    .regex(/^(\d+(\.\d{1,2})?|[a-z]{3}=\d+(\.\d{1,2})?(,[a-z]{3}=\d+(\.\d{1,2})?)*)$/, 'must be an amount like 25.00 or a per-currency map like usd=25,eur=25')
    .default('25.00')
    .meta({ description: 'smallest publisher payout, major units: one amount for every currency, or usd=25,eur=20' }),
  PAYOUT_SCHEDULE_CRON: z.string().min(9).default('0 6 1 * *').meta({ description: 'when the monthly payout run starts (UTC cron), after the month-end close' }),
  CONNECT_RETURN_URL: z.url().optional(),
  CONNECT_REFRESH_URL: z.url().optional(),

  SETTLE_CACHE_DIR: optionalString,

  // The seller printed on every invoice and frozen into its tax snapshot (placeholders by default:
  // set them before issuing real invoices). SELLER_COUNTRY decides domestic vs cross-border tax.
  SELLER_NAME: z.string().trim().min(1).max(200).default('Example Seller GmbH'),
  SELLER_ADDRESS_LINE1: z.string().trim().min(1).max(200).default('Example Street 1'),
  SELLER_CITY: z.string().trim().min(1).max(100).default('Berlin'),
  SELLER_POSTAL_CODE: z.string().trim().min(1).max(20).default('10115'),
  SELLER_COUNTRY: z.string().trim().transform((c) => c.toUpperCase()).refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code').default('DE'),
  SELLER_TAX_ID: z.string().trim().min(1).max(40).default('DE000000000'),
  SELLER_EMAIL: z.email().default('billing@example.com'),
  INVOICE_NUMBER_FORMAT: z.string().superRefine((format, ctx) => { const problem = numberFormatProblem(format); if (problem) ctx.addIssue({ code: 'custom', message: problem }); }).default('INV-{year}-{seq:6}'),
  CREDIT_NOTE_NUMBER_FORMAT: z.string().superRefine((format, ctx) => { const problem = numberFormatProblem(format); if (problem) ctx.addIssue({ code: 'custom', message: problem }); }).default('CN-{year}-{seq:6}'),
  CHECKOUT_SESSION_TTL_MINUTES: z.coerce.number().int().min(30).max(1440).default(1440)
    .meta({ description: 'how long a Checkout Session stays payable (Stripe allows 30 minutes to 24 hours)' }),
  CHECKOUT_RECONCILE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15)
    .meta({ description: 'how often the reconcileCheckouts schedule looks for missed webhooks' }),
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().optional()
    .meta({ description: 'allow outgoing webhook endpoints on private or loopback addresses; default: allowed when embedded (local development), refused in production' }),
  WEBHOOK_EVENT_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30)
    .meta({ description: 'days an outgoing webhook event is kept once all its deliveries are finished (delivered or failed); then it is deleted with its delivery log' }),
  CHECKOUT_RECONCILE_LOOKBACK_HOURS: z.coerce.number().int().min(1).max(720).default(72)
    .meta({ description: 'how far back reconcileCheckouts lists completed Checkout Sessions' }),
});

export type Env = z.infer<typeof envSchema>;
export type Mode = 'embedded' | 'production';

export interface Config extends Env {
  mode: Mode;
  /** Resolved: the demo catalog is an embedded-default convenience, never a production one unless asked. */
  SEED_DEMO_CATALOG: boolean;
  dataDir: string;
  cacheDir: string;
}

export class ConfigError extends Error {}

const REQUIRED_IN_PRODUCTION = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ADMIN_API_KEY'] as const;

export function loadConfig(env: NodeJS.ProcessEnv, mode: Mode): Config {
  // `FOO=` in a compose file or shell means "not set", not "set to nothing".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const values = parsed.data;
  if (mode === 'production') {
    for (const name of REQUIRED_IN_PRODUCTION) {
      if (!values[name]) throw new ConfigError(`Invalid configuration: ${name}: required when running the api or worker alone`);
    }
    if (!values.STRIPE_SECRET_KEY && !values.STRIPE_API_BASE) {
      throw new ConfigError('Invalid configuration: STRIPE_SECRET_KEY: required (or STRIPE_API_BASE pointing at a stripe-mock)');
    }
    if (!values.STRIPE_WEBHOOK_SECRET) {
      throw new ConfigError('Invalid configuration: STRIPE_WEBHOOK_SECRET: required when running the api or worker alone');
    }
  }
  // One meter summing micro-credits and tokens together would bill them at one price.
  if (values.STRIPE_TOKEN_METER_EVENT_NAME === values.STRIPE_METER_EVENT_NAME) {
    throw new ConfigError('Invalid configuration: STRIPE_TOKEN_METER_EVENT_NAME: must differ from STRIPE_METER_EVENT_NAME (tokens and credits are billed on separate meters)');
  }
  if (values.STRIPE_SECRET_KEY && !values.STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration: STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set');
  }
  return {
    ...values,
    SEED_DEMO_CATALOG: values.SEED_DEMO_CATALOG ?? mode === 'embedded',
    mode,
    dataDir: path.resolve(values.DATA_DIR),
    cacheDir: path.resolve(values.SETTLE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'settle')),
  };
}
