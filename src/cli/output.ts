import { SingleBar } from 'cli-progress';

/** Where commands write: injectable so tests can capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stdout.isTTY),
};

/** A fixed-width text table (no dependency; columns sized to their widest cell). */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/**
 * Progress of long work: a cli-progress bar on a terminal, a line per change elsewhere (CI logs,
 * pipes), so the output is useful in both.
 */
export function progress(io: CliIo, label: string) {
  let bar: SingleBar | null = null;
  let last = '';
  return {
    update(done: number, total: number, note = '') {
      if (io.isTTY) {
        if (!bar) {
          bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {note}`, hideCursor: true });
          bar.start(Math.max(total, 1), done, { note });
        }
        bar.setTotal(Math.max(total, 1));
        bar.update(done, { note });
        return;
      }
      const text = `${label}: ${done}/${total}${note ? ` ${note}` : ''}`;
      if (text !== last) io.out(text);
      last = text;
    },
    stop() {
      bar?.stop();
    },
  };
}
