import { z } from 'zod';

/**
 * Where the console links each workflow id: the Temporal Web UI of this service's namespace.
 * `TEMPORAL_UI_URL` names it (e.g. http://127.0.0.1:8233 or a Temporal Cloud URL); without it the
 * console shows plain workflow ids and lets the operator type the address once (kept in the browser).
 */
const temporalUiUrl = z.url({ protocol: /^https?$/ }).optional();

export function configuredTemporalUiUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const parsed = temporalUiUrl.safeParse(env.TEMPORAL_UI_URL || undefined);
  return parsed.success && parsed.data ? parsed.data.replace(/\/+$/, '') : null;
}
