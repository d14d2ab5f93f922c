/**
 * Ctrl-C, SIGTERM or SIGHUP: stop everything in order, then exit. A second signal from the
 * user, or a stop that takes longer than 9 s, exits at once.
 */
export function onShutdownSignal(stop: () => Promise<void>, timeoutMs = 9000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals | 'parent exited') => {
    if (stopping) {
      // Ctrl-C also ends npm and its shell, which orphans us: that is not a second request.
      if (signal === 'parent exited') return;
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping Settle …\n`);
    const timer = setTimeout(() => {
      process.stderr.write('shutdown took too long; exiting\n');
      process.exit(1);
    }, timeoutMs);
    stop().then(
      () => {
        clearTimeout(timer);
        process.stdout.write('stopped.\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  watchParent(() => handler('parent exited'));
}

/**
 * `npm start` puts npm (and a shell) between the user and us, and npm does not pass SIGTERM on:
 * it exits and we are re-parented. Treat losing our parent as a stop request, so a terminated npm
 * never leaves PostgreSQL, Temporal or stripe-mock behind.
 */
function watchParent(onOrphaned: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, 500);
  timer.unref();
}
