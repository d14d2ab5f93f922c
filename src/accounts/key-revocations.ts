import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';

/** The PostgreSQL channel a revocation is announced on; the payload is the key id. */
export const KEY_REVOKED_CHANNEL = 'settle_api_key_revoked';

/** Announces a revocation; PostgreSQL delivers it when `trx` commits, never if it rolls back. */
export async function notifyKeyRevoked(trx: Db, keyId: string): Promise<void> {
  await trx.raw('select pg_notify(?, ?)', [KEY_REVOKED_CHANNEL, keyId]);
}

export interface RevocationHandlers {
  /** A key was revoked (in any process). */
  revoked(keyId: string): void;
  /** Announcements may have been missed (a fresh or restored connection): forget everything. */
  resync(): void;
}

export interface RevocationListener {
  stop(): Promise<void>;
}

/**
 * One dedicated connection per process LISTENing for revocations, so every API process drops a
 * revoked key from its cache as soon as the revoking transaction commits. A dropped connection
 * (PostgreSQL restarted, network) is re-opened with backoff; each (re)connect resyncs, since
 * announcements sent while nobody listened are lost. Its socket and timers never keep the
 * process alive on their own.
 */
export function listenForKeyRevocations(db: Knex, handlers: RevocationHandlers, log: Logger): RevocationListener {
  const connection = (db.client as { config: { connection: string | pg.ClientConfig } }).config.connection;
  let client: pg.Client | null = null;
  let stopped = false;
  let delayMs = 100;
  let retry: NodeJS.Timeout | null = null;

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => scheduleReconnect()); // never an unhandled rejection: a timer has no caller
    }, delayMs);
    retry.unref();
    delayMs = Math.min(delayMs * 2, 5_000);
  };

  const connect = async () => {
    if (stopped) return;
    const current = new pg.Client(typeof connection === 'string' ? { connectionString: connection } : connection);
    client = current;
    let dropped = false;
    const onDrop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (!stopped) log.warn({ err: error }, 'key revocation listener lost its connection; reconnecting');
      void current.end().catch(() => undefined);
      scheduleReconnect();
    };
    current.on('error', onDrop);
    current.on('end', () => onDrop());
    current.on('notification', (message) => {
      if (message.channel === KEY_REVOKED_CHANNEL && message.payload) handlers.revoked(message.payload);
    });
    try {
      await current.connect();
      (current as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      await current.query(`LISTEN ${KEY_REVOKED_CHANNEL}`);
      if (stopped) {
        await current.end();
        return;
      }
      delayMs = 100;
      handlers.resync();
    } catch (error) {
      onDrop(error as Error);
    }
  };

  connect().catch(() => scheduleReconnect());
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
