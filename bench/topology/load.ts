import { call, paidCheckoutEvent, postSignedEvent, type Reply, type StackInfo } from '../chaos/own-stack';

/** What the clients saw in one phase of the run, at the load balancer. */
export interface PhaseCounts {
  sent: number;
  ok: number; // 2xx
  refused: number; // 4xx
  failed: number; // 5xx
  unanswered: number; // connection error or no answer within the client's timeout
  status503: number;
  maxLatencyMs: number;
}

export interface LoadAccount {
  id: string;
  key: string;
}

/**
 * Steady traffic through the load balancer for the whole run: debits (each with its own
 * idempotency key; acknowledged = answered 201) and purchases paid by signed Stripe webhooks,
 * re-sent until acknowledged, as Stripe does. Every answer is counted in the current phase.
 */
export class SteadyLoad {
  phase = 'warm-up';
  readonly phases = new Map<string, PhaseCounts>();
  readonly acknowledged = new Map<string, string>(); // idempotency key → account id
  readonly paid = new Map<string, string>(); // purchase id → account id
  private readonly pendingEvents: Array<{ purchaseId: string; accountId: string; event: object }> = [];
  private running = true;
  private loops: Promise<void>[] = [];
  private sent = 0;

  constructor(
    private readonly target: StackInfo,
    private readonly accounts: LoadAccount[],
    private readonly options: { debitConcurrency: number; debitPauseMs: number; purchaseEveryMs: number },
  ) {}

  start(): void {
    for (let lane = 0; lane < this.options.debitConcurrency; lane++) this.loops.push(this.debitLane());
    this.loops.push(this.purchaseLane());
  }

  /** Stops sending, then re-sends unacknowledged webhook events until Stripe would give up here (60 s). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    const deadline = Date.now() + 60_000;
    while (this.pendingEvents.length > 0 && Date.now() < deadline) {
      await this.resendEvents();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  counts(phase: string): PhaseCounts {
    let counts = this.phases.get(phase);
    if (!counts) this.phases.set(phase, (counts = { sent: 0, ok: 0, refused: 0, failed: 0, unanswered: 0, status503: 0, maxLatencyMs: 0 }));
    return counts;
  }

  /** The first moment after `since` a debit was answered 201 (recovery), or null. */
  firstDebitOkAfter(since: number): number | null {
    return this.okTimes.find((at) => at >= since) ?? null;
  }

  private readonly okTimes: number[] = [];

  private async counted(request: () => Promise<Reply>): Promise<Reply> {
    const started = Date.now();
    const reply = await request();
    // counted where it ended: a request in flight when PostgreSQL stops fails because of that
    const phase = this.counts(this.phase);
    phase.sent += 1;
    phase.maxLatencyMs = Math.max(phase.maxLatencyMs, Date.now() - started);
    if (reply.status === 0) phase.unanswered += 1;
    else if (reply.status < 300) phase.ok += 1;
    else if (reply.status < 500) phase.refused += 1;
    else phase.failed += 1;
    if (reply.status === 503) phase.status503 += 1;
    return reply;
  }

  private async debitLane(): Promise<void> {
    while (this.running) {
      const n = this.sent++;
      const account = this.accounts[n % this.accounts.length]!;
      const key = `topology-${n}`;
      const reply = await this.counted(() => call(this.target, 'POST', '/v1/credits/debit', { key: account.key, body: { amount: 0.01, idempotency_key: key }, timeoutMs: 20_000 }));
      if (reply.status === 201) {
        this.acknowledged.set(key, account.id);
        this.okTimes.push(Date.now());
      } else {
        await new Promise((resolve) => setTimeout(resolve, 100)); // a client backs off after a 503
      }
      if (this.options.debitPauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.debitPauseMs));
    }
  }

  private async purchaseLane(): Promise<void> {
    let n = 0;
    while (this.running) {
      const account = this.accounts[n++ % this.accounts.length]!;
      const purchase = await this.counted(() => call(this.target, 'POST', '/v1/billing/credits/purchase', { key: account.key, body: { amount: 10 }, headers: { 'idempotency-key': `topology-purchase-${n}` } }));
      if (purchase.status === 201) {
        const body = purchase.body as { purchase_id: string; amount_due: number };
        this.pendingEvents.push({ purchaseId: body.purchase_id, accountId: account.id, event: paidCheckoutEvent(body.purchase_id, Math.round(body.amount_due * 100)) });
      }
      await this.resendEvents();
      await new Promise((resolve) => setTimeout(resolve, this.options.purchaseEveryMs));
    }
  }

  private async resendEvents(): Promise<void> {
    for (const pending of this.pendingEvents.splice(0)) {
      const reply = await this.counted(() => postSignedEvent(this.target, pending.event));
      if (reply.status === 200) this.paid.set(pending.purchaseId, pending.accountId);
      else this.pendingEvents.push(pending);
    }
  }
}
