import type { Response } from 'express';

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Quote when needed; a leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * A CSV download written page by page as the domain yields rows: a header line, then each page
 * as one write, waiting for `drain` when the client reads slower than the database answers.
 */
export async function streamCsv<Column extends string>(
  res: Response,
  download: { filename: string; columns: readonly Column[]; pages: AsyncIterable<Array<Record<Column, unknown>>> },
): Promise<void> {
  res.status(200).type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${download.filename}"`);
  res.write(`${download.columns.join(',')}\n`);
  for await (const rows of download.pages) {
    const lines = rows.map((row) => download.columns.map((column) => csvField(row[column])).join(','));
    if (!res.write(`${lines.join('\n')}\n`)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}
