import { z } from 'zod';

/**
 * Where a process serves its Prometheus metrics besides the API's own `/metrics` (admin key).
 * METRICS_PORT opens a listener for scrapers on an internal port: the worker's only HTTP port,
 * and an API's way to be scraped without the admin key. METRICS_TOKEN, when set, must come as
 * `Authorization: Bearer <token>` on that port (Prometheus: `authorization.credentials`).
 * Read here rather than in the main config: nothing else in Settle depends on them.
 */
const metricsEnvSchema = z.object({
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
});

export type MetricsSettings = z.infer<typeof metricsEnvSchema>;

export function metricsSettings(env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const given = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('METRICS_') && value !== ''));
  const parsed = metricsEnvSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
