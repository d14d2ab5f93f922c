import { execFileSync, spawnSync } from 'node:child_process';

/**
 * pgbench's built-in tpcb-like script against the same PostgreSQL the service uses, in its own
 * database: the reference every debit figure is divided by.
 */
export function runPgbench(databaseUrl: string, options: { clients: number; seconds: number; scale: number }): { tps: number; latencyMs: number; output: string } {
  const url = new URL(databaseUrl);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  const common = ['-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username)];
  const which = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (which.error) throw new Error('pgbench not found: install PostgreSQL client tools (Debian: apt-get install postgresql-contrib)');
  execFileSync('psql', [...common, '-d', url.pathname.slice(1), '-qc', 'drop database if exists pgbench', '-c', 'create database pgbench'], { env, stdio: 'pipe' });
  execFileSync('pgbench', [...common, '-i', '-q', '-s', String(options.scale), 'pgbench'], { env, stdio: 'pipe' });
  const output = execFileSync(
    'pgbench',
    [...common, '-b', 'tpcb-like', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), '-n', 'pgbench'],
    { env, encoding: 'utf8' },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]);
  return { tps, latencyMs, output };
}
