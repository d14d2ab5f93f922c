import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PEER_DIR = path.join(__dirname, '..', 'peers', 'pgledger');

export interface PgledgerResult {
  tps: number;
  latencyMs: number;
  transfers: number;
  bytesPerTransfer: number;
}

/**
 * pgledger, a per-transaction double-entry ledger in SQL, on the same PostgreSQL as Settle: its
 * functions in a database of their own, `accounts` accounts, and pgbench calling
 * `pgledger_create_transfer(from, to, 1)` between two different random accounts. No HTTP on its
 * side, so this is the cost of the ledger write alone.
 *
 * Bytes per transfer: the database's growth over the run (after a CHECKPOINT on each side, so
 * pages are counted once written) divided by the transfers it recorded. The same measure is taken
 * of Settle's database around its debit load (bench/lib/db-growth.ts).
 */
export function runPgledger(databaseUrl: string, options: { clients: number; seconds: number; accounts: number }): PgledgerResult {
  const url = new URL(databaseUrl);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password), PGOPTIONS: '-c client_min_messages=warning' };
  const common = ['-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username)];
  const psql = (database: string, ...args: string[]) => execFileSync('psql', [...common, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', ...args], { env, encoding: 'utf8' });

  psql(url.pathname.slice(1), '-c', 'drop database if exists pgledger', '-c', 'create database pgledger');
  psql('pgledger', '-f', path.join(PEER_DIR, 'uuid-to-ulid.sql'), '-f', path.join(PEER_DIR, 'pgledger.sql'));
  psql(
    'pgledger',
    '-c',
    `create table bench_accounts (n int primary key, id text not null);
     insert into bench_accounts select n, (pgledger_create_account('bench ' || n, 'USD')).id from generate_series(1, ${options.accounts}) n;`,
  );

  // `b` is drawn from the other accounts, so no transfer goes from an account to itself.
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgledger-')), 'transfer.sql');
  fs.writeFileSync(
    script,
    [
      `\\set a random(1, ${options.accounts})`,
      `\\set b 1 + (:a + random(0, ${options.accounts - 2})) % ${options.accounts}`,
      'select pgledger_create_transfer((select id from bench_accounts where n = :a), (select id from bench_accounts where n = :b), 1);',
      '',
    ].join('\n'),
  );

  const size = () => Number(psql('pgledger', '-c', 'checkpoint', '-c', "select pg_database_size('pgledger')").trim());
  const before = size();
  const output = execFileSync('pgbench', [...common, '-f', script, '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), '-n', 'pgledger'], { env, encoding: 'utf8' });
  const after = size();
  const transfers = Number(psql('pgledger', '-c', 'select count(*) from pgledger_transfers').trim());
  fs.rmSync(path.dirname(script), { recursive: true, force: true });
  return {
    tps: Number(/tps = ([\d.]+)/.exec(output)?.[1]),
    latencyMs: Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]),
    transfers,
    bytesPerTransfer: transfers > 0 ? Math.round((after - before) / transfers) : NaN,
  };
}
