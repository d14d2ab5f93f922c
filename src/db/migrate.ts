import type { Knex } from 'knex';
import { migrations } from '../../migrations';

/** Migrations are listed in code (migrations/index.ts) so tsx, jest and bundlers agree on them. */
const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map((m) => m.name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations.find((m) => m.name === name);
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};

export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}
