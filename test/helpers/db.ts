import type { Knex } from 'knex';
import { createDb } from '../../src/db/knex';
import { readStackInfo } from './stack-info';

/** A knex handle on the test stack's database, for assertions; destroy it in afterAll. */
export function testDb(): Knex {
  return createDb(readStackInfo().databaseUrl, 5);
}
