import fs from 'node:fs';
import path from 'node:path';

/**
 * The finance-ops CLI talks to the Settle API like any client: the admin key, JSON, the contract's
 * error body. Where: --api-url / SETTLE_API_URL (default http://localhost:$PORT, 8080). Who:
 * --api-key / SETTLE_API_KEY / ADMIN_API_KEY, else the key `npm start` saved in DATA_DIR.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ApiTarget {
  url: string;
  key: string;
}

export function resolveTarget(options: { apiUrl?: string; apiKey?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const url = (options.apiUrl ?? env.SETTLE_API_URL ?? `http://localhost:${env.PORT || '8080'}`).replace(/\/+$/, '');
  let key = options.apiKey ?? env.SETTLE_API_KEY ?? env.ADMIN_API_KEY;
  if (!key) {
    const file = path.join(path.resolve(env.DATA_DIR ?? '.data'), 'admin-api-key');
    if (fs.existsSync(file)) key = fs.readFileSync(file, 'utf8').trim();
  }
  if (!key) throw new CliError('No API key: pass --api-key, set SETTLE_API_KEY, or run where `npm start` saved .data/admin-api-key', 2);
  return { url, key };
}

export interface ApiClient {
  request<T = any>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T>;
}

export function createApiClient(target: ApiTarget): ApiClient {
  return {
    async request(method, requestPath, body) {
      let response: Response;
      try {
        response = await fetch(`${target.url}${requestPath}`, {
          method,
          headers: { authorization: `Bearer ${target.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new CliError(`Cannot reach the Settle API at ${target.url}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const text = await response.text();
      const parsed: any = text ? JSON.parse(text) : null;
      if (!response.ok) {
        const error = parsed?.error;
        const field = error?.details?.field ? ` (${error.details.field})` : '';
        throw new CliError(`${response.status} ${error?.code ?? 'error'}: ${error?.message ?? text}${field}`);
      }
      return parsed;
    },
  };
}
