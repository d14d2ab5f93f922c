import crypto from 'node:crypto';
import { api } from '../helpers/api';

export interface TestAccount {
  id: string;
  key: string;
}

export async function newAccount(plan = 'free', extra: Record<string, unknown> = {}): Promise<TestAccount> {
  const response = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: `Test ${crypto.randomUUID().slice(0, 8)}`, plan, ...extra } });
  if (response.status !== 201) throw new Error(`account: ${response.status} ${response.text}`);
  return { id: response.body.id, key: response.body.api_key };
}

/** A uniquely named tool at this price (credits per execution). */
export async function newTool(creditsPerExecution: number, publisherId?: string): Promise<string> {
  const id = `test.tool.${crypto.randomUUID().slice(0, 8)}`;
  const response = await api('PUT', `/v1/admin/tools/${id}`, { key: 'admin', body: { credits_per_execution: creditsPerExecution, publisher_id: publisherId } });
  if (response.status !== 200) throw new Error(`tool: ${response.status} ${response.text}`);
  return id;
}

export async function newModel(rates: Record<string, unknown>): Promise<string> {
  const name = `test-model-${crypto.randomUUID().slice(0, 8)}`;
  const response = await api('PUT', `/v1/admin/models/${name}`, { key: 'admin', body: { provider: 'anthropic', ...rates } });
  if (response.status !== 200) throw new Error(`model: ${response.status} ${response.text}`);
  return name;
}

export const useTool = (account: TestAccount, tool: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  api('POST', '/v1/usage', { key: account.key, body: { items: [{ type: 'tool', tool }], ...extra }, headers });
