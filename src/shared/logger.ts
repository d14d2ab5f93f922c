import pino, { type DestinationStream, type Logger } from 'pino';

/** Field names that hold secrets wherever they appear in a log object. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'stripe-signature',
  'cookie',
  'api_key',
  'apiKey',
  'adminApiKey',
  'ADMIN_API_KEY',
  'webhookSecret',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_SECRET_KEY',
  'TEMPORAL_API_KEY',
  'secret',
  'client_secret',
  'password',
  'token',
];

const at = (prefix: string, field: string) => `${prefix}[${JSON.stringify(field)}]`;

/**
 * Paths pino censors: each secret field at the top level and up to three levels down (a
 * request's `req.headers`, an HTTP client error's `err.config.headers`).
 */
export const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => [
  /^[A-Za-z_]\w*$/.test(field) ? field : `[${JSON.stringify(field)}]`,
  at('*', field),
  at('*.*', field),
  at('*.*.*', field),
]);

/** The service's logger: JSON lines, with keys, signatures and secrets replaced by "[redacted]". */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'settle' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
