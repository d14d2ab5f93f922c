import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../src/shared/errors';

/** Names a failure that retrying cannot change, beyond our own 4xx-like AppErrors. */
export type FinalFailure = (error: unknown) => { message: string; type: string } | undefined;

/**
 * Runs an activity's work. A failure no retry can fix (an AppError that is not retryable, or
 * one `alsoFinal` names) fails the activity for good with its code as the failure type, so the
 * workflow sees the reason at once instead of after days of retries; anything else retries.
 */
export async function asActivity<T>(work: () => Promise<T>, alsoFinal?: FinalFailure): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && !error.retryable) throw ApplicationFailure.nonRetryable(error.message, error.code, error.details);
    const final = alsoFinal?.(error);
    if (final) throw ApplicationFailure.nonRetryable(final.message, final.type);
    throw error;
  }
}
