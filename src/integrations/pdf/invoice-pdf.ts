import PDFDocument from 'pdfkit';

/** What an invoice PDF shows, already formatted: the renderer does layout only, no money math. */
export interface InvoicePdfModel {
  title: 'Invoice' | 'Credit note';
  number: string;
  /** Also the PDF's CreationDate/ModDate, so the bytes depend on the invoice alone. */
  issuedAt: Date;
  seller: PdfParty;
  buyer: PdfParty;
  /** Label/value pairs under the title: date of issue, payment reference, corrected invoice… */
  meta: Array<[string, string]>;
  columns: { quantity: string; unitPrice: string; amount: string };
  lines: Array<{ description: string; quantity: string; unitPrice: string; amount: string }>;
  subtotal: [string, string];
  taxLines: Array<[string, string]>;
  total: [string, string];
  notes: string[];
}

export interface PdfParty {
  heading: string;
  name: string;
  lines: string[];
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin;
const COL = { description: PAGE.margin, quantity: 330, unitPrice: 380, amount: 465 };
const COL_WIDTH = { description: 270, quantity: 45, unitPrice: 80, amount: 80 };
const GREY = '#555555';

// Windows-1252 beyond Latin-1: the characters Helvetica's WinAnsi encoding has at 0x80–0x9F.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Helvetica prints WinAnsi only; anything else would come out as unrelated glyphs, so it becomes '?'. */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\n' || char === '\t' || char === '\r') out += ' ';
    else if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(char)) out += char;
    else out += '?';
  }
  return out;
}

/**
 * Renders an invoice with pdfkit's built-in Helvetica (no font files, nothing from the machine),
 * with the document dates set to the issue date: the same model renders byte-identical PDFs.
 * Helvetica covers Latin-1 (WinAnsi); other characters print as substitutes.
 */
export function renderInvoicePdf(input: InvoicePdfModel): Promise<Buffer> {
  const model = printable(input);
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    info: {
      Title: `${model.title} ${model.number}`,
      Author: model.seller.name,
      Subject: `${model.title} ${model.number}`,
      Creator: 'Settle',
      Producer: 'Settle',
      CreationDate: model.issuedAt,
      ModDate: model.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  let y = drawHeader(doc, model);
  y = drawParty(doc, model.buyer, PAGE.margin, y + 20, 260) + 25;
  y = drawLines(doc, model, y);
  y = drawTotals(doc, model, y + 10);
  drawNotes(doc, model.notes, y + 20);
  doc.end();
  return done;
}

/** Every string of the model in WinAnsi; dates and structure untouched. */
function printable(model: InvoicePdfModel): InvoicePdfModel {
  const pair = ([a, b]: [string, string]): [string, string] => [toWinAnsi(a), toWinAnsi(b)];
  const party = (p: PdfParty): PdfParty => ({ heading: toWinAnsi(p.heading), name: toWinAnsi(p.name), lines: p.lines.map(toWinAnsi) });
  return {
    ...model,
    number: toWinAnsi(model.number),
    seller: party(model.seller),
    buyer: party(model.buyer),
    meta: model.meta.map(pair),
    lines: model.lines.map((l) => ({ description: toWinAnsi(l.description), quantity: l.quantity, unitPrice: toWinAnsi(l.unitPrice), amount: toWinAnsi(l.amount) })),
    subtotal: pair(model.subtotal),
    taxLines: model.taxLines.map(pair),
    total: pair(model.total),
    notes: model.notes.map(toWinAnsi),
  };
}

function drawHeader(doc: PDFKit.PDFDocument, model: InvoicePdfModel): number {
  const sellerBottom = drawParty(doc, model.seller, PAGE.margin, PAGE.margin, 250);
  const right = 330;
  const width = PAGE.width - PAGE.margin - right;
  doc.font('Helvetica-Bold').fontSize(20).fillColor('black').text(model.title.toUpperCase(), right, PAGE.margin, { width, align: 'right' });
  let y = PAGE.margin + 30;
  for (const [label, value] of [['Number', model.number] as [string, string], ...model.meta]) {
    doc.font('Helvetica').fontSize(9).fillColor(GREY).text(label, right, y, { width: 95 });
    doc.font('Helvetica-Bold').fontSize(9).fillColor('black').text(value, right + 95, y, { width: width - 95, align: 'right' });
    y = Math.max(doc.y, y + 13);
  }
  return Math.max(sellerBottom, y);
}

function drawParty(doc: PDFKit.PDFDocument, party: PdfParty, x: number, top: number, width: number): number {
  doc.font('Helvetica').fontSize(8).fillColor(GREY).text(party.heading.toUpperCase(), x, top, { width });
  doc.font('Helvetica-Bold').fontSize(11).fillColor('black').text(party.name, x, doc.y + 2, { width });
  doc.font('Helvetica').fontSize(9);
  for (const line of party.lines) doc.text(line, x, doc.y + 1, { width });
  return doc.y;
}

function drawTableHeader(doc: PDFKit.PDFDocument, model: InvoicePdfModel, top: number): number {
  doc.font('Helvetica-Bold').fontSize(9).fillColor('black');
  doc.text('Description', COL.description, top, { width: COL_WIDTH.description });
  doc.text(model.columns.quantity, COL.quantity, top, { width: COL_WIDTH.quantity, align: 'right' });
  doc.text(model.columns.unitPrice, COL.unitPrice, top, { width: COL_WIDTH.unitPrice, align: 'right' });
  doc.text(model.columns.amount, COL.amount, top, { width: COL_WIDTH.amount, align: 'right' });
  const y = top + 14;
  doc.moveTo(PAGE.margin, y).lineTo(PAGE.margin + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor(GREY).stroke();
  return y + 6;
}

function newPage(doc: PDFKit.PDFDocument, model: InvoicePdfModel): number {
  doc.addPage();
  doc.font('Helvetica').fontSize(8).fillColor(GREY).text(`${model.title} ${model.number} (continued)`, PAGE.margin, PAGE.margin, { width: CONTENT_WIDTH });
  return PAGE.margin + 20;
}

function drawLines(doc: PDFKit.PDFDocument, model: InvoicePdfModel, top: number): number {
  let y = drawTableHeader(doc, model, top);
  for (const line of model.lines) {
    doc.font('Helvetica').fontSize(9);
    const height = doc.heightOfString(line.description, { width: COL_WIDTH.description });
    if (y + height > BOTTOM - 10) y = drawTableHeader(doc, model, newPage(doc, model));
    doc.font('Helvetica').fontSize(9).fillColor('black');
    doc.text(line.description, COL.description, y, { width: COL_WIDTH.description });
    doc.text(line.quantity, COL.quantity, y, { width: COL_WIDTH.quantity, align: 'right' });
    doc.text(line.unitPrice, COL.unitPrice, y, { width: COL_WIDTH.unitPrice, align: 'right' });
    doc.text(line.amount, COL.amount, y, { width: COL_WIDTH.amount, align: 'right' });
    y += height + 6;
  }
  doc.moveTo(PAGE.margin, y).lineTo(PAGE.margin + CONTENT_WIDTH, y).lineWidth(0.5).strokeColor(GREY).stroke();
  return y + 4;
}

function drawTotals(doc: PDFKit.PDFDocument, model: InvoicePdfModel, top: number): number {
  const rows: Array<{ row: [string, string]; bold: boolean }> = [
    { row: model.subtotal, bold: false },
    ...model.taxLines.map((row) => ({ row, bold: false })),
    { row: model.total, bold: true },
  ];
  let y = top;
  if (y + rows.length * 16 > BOTTOM) y = newPage(doc, model);
  const labelX = 300;
  for (const { row, bold } of rows) {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(bold ? 11 : 9).fillColor('black');
    doc.text(row[0], labelX, y, { width: 160, align: 'right' });
    doc.text(row[1], COL.amount - 20, y, { width: COL_WIDTH.amount + 20, align: 'right' });
    y += bold ? 18 : 14;
  }
  return y;
}

function drawNotes(doc: PDFKit.PDFDocument, notes: string[], top: number): void {
  let y = top;
  doc.font('Helvetica').fontSize(8.5).fillColor('black');
  for (const note of notes) {
    const height = doc.heightOfString(note, { width: CONTENT_WIDTH });
    if (y + height > BOTTOM) {
      doc.addPage();
      y = PAGE.margin;
    }
    doc.text(note, PAGE.margin, y, { width: CONTENT_WIDTH });
    y = doc.y + 6;
  }
}
