import type { Config } from './config';

/** An absolute URL of this service for `path`: PUBLIC_URL when set, else the local API port. */
export function publicUrl(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>, path: string): string {
  const base = config.PUBLIC_URL ?? `http://localhost:${config.PORT || 8080}`;
  return `${base.replace(/\/$/, '')}${path}`;
}
