/**
 * A backoff wait that a stop can cut short: `sleep(ms)` resolves after `ms`, or at once when
 * `wake()` is called (a stopping supervisor or worker loop must not sit out its backoff).
 */
export function wakeableSleep(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wake: (() => void) | null = null;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }).finally(() => {
        wake = null;
      }),
    wake: () => wake?.(),
  };
}
