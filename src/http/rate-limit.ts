import { AppError } from '../shared/errors';
import type { Principal } from './auth';

/** 429 in the contract's error shape; the HTTP layer adds `Retry-After`. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', `Too many requests for this API key; retry in ${retryAfterSeconds} s`, { retry_after_seconds: retryAfterSeconds });
  }
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * A token bucket per API key, in this process: `perSecond` tokens a second up to `burst`. It costs
 * one map lookup and a little arithmetic per request, so the metering path does not notice it.
 * With several API processes (API_PROCESSES) each keeps its own buckets: the limit is per process.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a token for `keyId`, or returns the whole seconds to wait until one is there. */
  take(keyId: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    let bucket = this.buckets.get(keyId);
    if (!bucket) {
      // Keys come from authenticated principals, so the map is bounded by the keys in use; the
      // cap only guards against a pathological number of them.
      if (this.buckets.size >= 100_000) this.buckets.clear();
      bucket = { tokens: this.burst, refilledAt: now };
      this.buckets.set(keyId, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.refilledAt) * this.perSecond) / 1000);
      bucket.refilledAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }

  /** Requests without a key (health, webhooks, public catalog) are not limited; keyed ones are, per key. */
  enforce(principal: Principal): void {
    if ('keyId' in principal) this.check(principal.keyId);
  }

  /** Throws the 429 when `keyId` is over its limit. */
  check(keyId: string): void {
    const taken = this.take(keyId);
    if (!taken.ok) throw new RateLimitedError(taken.retryAfterSeconds);
  }
}
