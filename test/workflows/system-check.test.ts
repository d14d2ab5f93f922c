import { api } from '../helpers/api';
import { testDb } from '../helpers/db';

const db = testDb();
afterAll(() => db.destroy());

async function waitForWorkflow(id: string, until: (view: any) => boolean, timeoutMs = 30000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api('GET', `/v1/admin/workflows/${encodeURIComponent(id)}`, { key: 'admin' });
    if (response.status === 200 && until(response.body)) return response.body;
    if (Date.now() > deadline) throw new Error(`workflow ${id} did not get there: ${JSON.stringify(response.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('system check workflow (API → Temporal → worker → activity → PostgreSQL)', () => {
  it('runs end to end and is visible through GET /v1/admin/workflows/:id', async () => {
    const started = await api('POST', '/v1/admin/system-checks', { key: 'admin', body: { note: 'from the test' } });
    expect(started.status).toBe(202);
    const id: string = started.body.workflow_id;
    const view = await waitForWorkflow(id, (w) => w.status === 'COMPLETED');
    expect(view).toMatchObject({ id, type: 'systemCheck', status: 'COMPLETED', state: { step: 'done' } });
    expect(view.result).toMatchObject({ id, note: 'from the test', roundTripOk: true, stripeOk: true, stripeError: null });
    const row = await db('system_checks').where({ id }).first();
    expect(row.note).toBe('from the test');
  });

  it('answers an unknown workflow with 404', async () => {
    const response = await api('GET', '/v1/admin/workflows/nope:123', { key: 'admin' });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});
