import { browser } from './browser';

/** The API as the signed-in key sees it. The key lives in session storage: gone when the tab closes. */
const KEY_ITEM = 'settle.console.key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const storedKey = (): string | null => browser.sessionStorage.getItem(KEY_ITEM);
export const storeKey = (key: string): void => browser.sessionStorage.setItem(KEY_ITEM, key);
export const forgetKey = (): void => browser.sessionStorage.removeItem(KEY_ITEM);

async function send(method: string, path: string, body: unknown, key: string | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.ok) return response;
  let code = 'error';
  let message = `${method} ${path} answered ${response.status}`;
  try {
    const parsed = (await response.json()) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code ?? code;
    message = parsed.error?.message ?? message;
  } catch {
    // not the API's JSON error shape: keep the status line
  }
  throw new ApiError(response.status, code, message);
}

export async function apiJson<T = any>(method: string, path: string, body?: unknown, key = storedKey()): Promise<T> {
  const response = await send(method, path, body, key);
  return (await response.json()) as T;
}

export const apiGet = <T = any>(path: string) => apiJson<T>('GET', path);

export async function apiBlob(path: string): Promise<Blob> {
  return (await send('GET', path, undefined, storedKey())).blob();
}

/** Which view a key opens: admin if it may list payouts, else a customer account (publishers have no console yet). */
export async function roleOf(key: string): Promise<'admin' | 'account'> {
  try {
    await apiJson('GET', '/v1/admin/payouts?limit=1', undefined, key);
    return 'admin';
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  await apiJson('GET', '/v1/billing/credits', undefined, key);
  return 'account';
}
