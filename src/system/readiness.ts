import type { AppDeps } from '../app-deps';

type CheckResult = 'ok' | `error: ${string}`;

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

// Asking Stripe on every probe would spend API quota; a success is trusted for 30 s.
let stripeOkUntil = 0;

export async function checkReadiness(deps: Pick<AppDeps, 'db' | 'temporal' | 'stripe'>) {
  const [database, temporal, stripe] = await Promise.all([
    probe(() => deps.db.raw('select 1')),
    // The deadline ends the client's own retries too, so a probe never outlives its answer.
    probe(() => deps.temporal.withDeadline(Date.now() + 2000, () => deps.temporal.workflowService.getSystemInfo({}))),
    stripeOkUntil > Date.now()
      ? Promise.resolve<CheckResult>('ok')
      : probe(() => deps.stripe.balance.retrieve()).then((result) => {
          if (result === 'ok') stripeOkUntil = Date.now() + 30_000;
          return result;
        }),
  ]);
  const checks = { database, temporal, stripe };
  const ready = Object.values(checks).every((value) => value === 'ok');
  return { status: ready ? ('ready' as const) : ('unavailable' as const), checks };
}
