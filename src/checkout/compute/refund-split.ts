import { divideRoundHalfUp } from '../../shared/amounts';

export interface RefundSplitInput {
  /** credits the purchase granted, micro-credits */
  creditsGranted: bigint;
  /** what the customer paid, minor units */
  amountCharged: bigint;
  /** Σ refunds already applied to this purchase, minor units */
  refundedBefore: bigint;
  /** this refund, minor units */
  refundAmount: bigint;
  /** what is left in the purchase's grant, micro-credits */
  grantRemaining: bigint;
}

export interface RefundSplit {
  /** credits this refund pays back: its share of the purchase, pro rata to the money */
  entitled: bigint;
  /** taken out of the grant (never more than remains: a balance never goes negative) */
  clawBack: bigint;
  /** already spent, so not recoverable; recorded on the refund and in its entry's description */
  unrecoverable: bigint;
}

/**
 * Pro rata, computed on cumulative amounts so that partial refunds add up exactly: the refunds
 * of a purchase together are entitled to round(granted × Σrefunded / charged), rounded half-up
 * once per cumulative step, and the last refund of the full amount reaches `granted` exactly.
 */
export function computeRefundSplit(input: RefundSplitInput): RefundSplit {
  const { creditsGranted, amountCharged, refundedBefore, refundAmount, grantRemaining } = input;
  if (creditsGranted <= 0n || amountCharged <= 0n || refundAmount <= 0n) return { entitled: 0n, clawBack: 0n, unrecoverable: 0n };
  const cap = (value: bigint) => (value > amountCharged ? amountCharged : value < 0n ? 0n : value);
  const share = (refunded: bigint) => divideRoundHalfUp(creditsGranted * cap(refunded), amountCharged);
  const entitled = share(refundedBefore + refundAmount) - share(refundedBefore);
  const available = grantRemaining > 0n ? grantRemaining : 0n;
  const clawBack = entitled < available ? entitled : available;
  return { entitled, clawBack, unrecoverable: entitled - clawBack };
}
