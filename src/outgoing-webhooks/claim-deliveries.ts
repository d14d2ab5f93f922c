import type { Knex } from 'knex';

/** A delivery taken by the loop for one attempt, with what the attempt needs. */
export interface ClaimedDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  created_at: Date;
  type: string;
  account_id: string | null;
  payload: Record<string, unknown>;
  event_created_at: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * Takes due deliveries for one attempt each: per enabled endpoint at most `perEndpoint` minus
 * what is already in flight to it (so a slow or dead endpoint holds at most its own slots and
 * healthy endpoints keep theirs), `limit` in all. Taking one moves its `next_attempt_at` to the
 * end of a lease (the attempt's timeout plus a margin): if the worker dies mid-attempt, the
 * delivery is due again when the lease ends and goes out again with the same webhook-id.
 */
export async function claimDueDeliveries(
  db: Knex,
  input: { inFlight: Map<string, number>; perEndpoint: number; limit: number; leaseSeconds: number },
): Promise<ClaimedDelivery[]> {
  if (input.limit <= 0) return [];
  const busy = [...input.inFlight.entries()];
  const result = await db.raw(
    `with busy as (
       select * from unnest(?::text[], ?::int[]) as b(endpoint_id, in_flight)
     ), candidates as (
       select d.id
         from webhook_endpoints w
         left join busy on busy.endpoint_id = w.id
         cross join lateral (
           select d.id from webhook_deliveries d
            where d.endpoint_id = w.id and d.status = 'pending' and d.next_attempt_at <= now()
            order by d.next_attempt_at
            limit greatest(?::int - coalesce(busy.in_flight, 0), 0)
            for update skip locked
         ) d
        where w.enabled
        limit ?
     ), claimed as (
       update webhook_deliveries d
          set next_attempt_at = now() + make_interval(secs => ?), attempts = d.attempts + 1, updated_at = now()
         from candidates c where d.id = c.id
       returning d.id, d.event_id, d.endpoint_id, d.attempts, d.created_at
     )
     select c.*, e.type, e.account_id, e.payload, e.created_at as event_created_at,
            w.url, w.secret, w.previous_secret, w.previous_secret_expires_at
       from claimed c join events e on e.id = c.event_id join webhook_endpoints w on w.id = c.endpoint_id`,
    [busy.map(([id]) => id), busy.map(([, n]) => n), input.perEndpoint, input.limit, input.leaseSeconds],
  );
  return result.rows as ClaimedDelivery[];
}
