import { Client, Connection } from '@temporalio/client';
import { createDb } from '../../src/db/knex';
import { createStripe } from '../../src/integrations/stripe/client';
import { checkReadiness } from '../../src/system/readiness';
import { freePort } from '../../src/runtime/free-port';
import { readStackInfo } from '../helpers/stack-info';

describe('readiness', () => {
  it('reports each dependency that does not answer', async () => {
    const stack = readStackInfo();
    const deadPort = await freePort();
    const db = createDb(`postgres://nobody:nothing@127.0.0.1:${deadPort}/none`, 1);
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const readiness = await checkReadiness({
        db,
        temporal: new Client({ connection }),
        stripe: createStripe({ apiBase: `http://127.0.0.1:${deadPort}` }),
      });
      expect(readiness.status).toBe('unavailable');
      expect(readiness.checks.database).toMatch(/^error: /);
      expect(readiness.checks.temporal).toBe('ok');
      expect(readiness.checks.stripe).toMatch(/^error: /);
    } finally {
      await connection.close();
      await db.destroy();
    }
  });
});
