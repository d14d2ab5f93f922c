import { loadConfigOrExit } from '../config/load-or-exit';
import { createDb } from './knex';
import { migrateToLatest } from './migrate';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres';
import path from 'node:path';

/** `npm run db:migrate`: against DATABASE_URL, or the embedded database under DATA_DIR. */
async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded');
  const embedded = config.DATABASE_URL
    ? null
    : await startEmbeddedPostgres({ dataDir: config.dataDir, logDir: path.join(config.dataDir, 'logs'), database: 'settle' });
  const db = createDb(config.DATABASE_URL ?? embedded!.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    process.stdout.write(applied.length ? `applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}\n` : 'database is up to date\n');
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
