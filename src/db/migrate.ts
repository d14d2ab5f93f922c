import type { Knex } from 'knex';
import { migrations } from '../../migrations';

/** Migrations are listed in code (migrations/index.ts) so tsx, jest and bundlers agree on them. */
export function migrationSourceOf(list: typeof migrations): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => list.map((m) => m.name),
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const migration = list.find((m) => m.name === name);
      if (!migration) throw new Error(`unknown migration ${name}`);
      return migration;
    },
  };
}

const source = migrationSourceOf(migrations);

export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}
