import fs from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';
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

/**
 * DejaVu Sans, embedded and subset to the glyphs used: names and addresses in Latin scripts with
 * any diacritics, Greek and Cyrillic print as written (pdfkit's built-in Helvetica knew only
 * Windows-1252). A character the font has no glyph for (CJK, for one) prints as '?', never as
 * an unrelated glyph or an empty box.
 */
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = 'DejaVuSans';
const BOLD = 'DejaVuSans-Bold';
let fonts: Record<typeof REGULAR | typeof BOLD, fontkit.Font> | null = null;

/**
 * Parsed once per process and shared by every document (pdfkit accepts a fontkit font): parsing
 * the layout tables per document made a one-page PDF cost 25 ms instead of 2. Each document
 * still embeds its own subset.
 */
function loadFonts() {
  const open = (name: string) => fontkit.create(fs.readFileSync(path.join(FONT_DIR, `${name}.ttf`))) as fontkit.Font;
  fonts ??= { [REGULAR]: open(REGULAR), [BOLD]: open(BOLD) };
  return fonts;
}

/** Each character the font cannot draw becomes '?'; line breaks and tabs become spaces. */
export function toPrintable(text: string): string {
  const glyphs = loadFonts()[REGULAR];
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\n' || char === '\t' || char === '\r') out += ' ';
    else out += code >= 0x20 && glyphs.hasGlyphForCodePoint(code) ? char : '?';
  }
  return out;
}

/**
 * Renders an invoice in embedded DejaVu Sans (shipped as an npm package, nothing from the
 * machine), with the document dates set to the issue date: the same model renders
 * byte-identical PDFs.
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
  for (const [name, font] of Object.entries(loadFonts())) doc.registerFont(name, font as unknown as Buffer);
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

/** Every string of the model as the font can print it; dates and structure untouched. */
function printable(model: InvoicePdfModel): InvoicePdfModel {
  const pair = ([a, b]: [string, string]): [string, string] => [toPrintable(a), toPrintable(b)];
  const party = (p: PdfParty): PdfParty => ({ heading: toPrintable(p.heading), name: toPrintable(p.name), lines: p.lines.map(toPrintable) });
  return {
    ...model,
    number: toPrintable(model.number),
    seller: party(model.seller),
    buyer: party(model.buyer),
    meta: model.meta.map(pair),
    lines: model.lines.map((l) => ({ description: toPrintable(l.description), quantity: l.quantity, unitPrice: toPrintable(l.unitPrice), amount: toPrintable(l.amount) })),
    subtotal: pair(model.subtotal),
    taxLines: model.taxLines.map(pair),
    total: pair(model.total),
    notes: model.notes.map(toPrintable),
  };
}

function drawHeader(doc: PDFKit.PDFDocument, model: InvoicePdfModel): number {
  const sellerBottom = drawParty(doc, model.seller, PAGE.margin, PAGE.margin, 250);
  const right = 330;
  const width = PAGE.width - PAGE.margin - right;
  doc.font(BOLD).fontSize(20).fillColor('black').text(model.title.toUpperCase(), right, PAGE.margin, { width, align: 'right' });
  let y = PAGE.margin + 30;
  for (const [label, value] of [['Number', model.number] as [string, string], ...model.meta]) {
    doc.font(REGULAR).fontSize(9).fillColor(GREY).text(label, right, y, { width: 95 });
    doc.font(BOLD).fontSize(9).fillColor('black').text(value, right + 95, y, { width: width - 95, align: 'right' });
    y = Math.max(doc.y, y + 13);
  }
  return Math.max(sellerBottom, y);
}

function drawParty(doc: PDFKit.PDFDocument, party: PdfParty, x: number, top: number, width: number): number {
  doc.font(REGULAR).fontSize(8).fillColor(GREY).text(party.heading.toUpperCase(), x, top, { width });
  doc.font(BOLD).fontSize(11).fillColor('black').text(party.name, x, doc.y + 2, { width });
  doc.font(REGULAR).fontSize(9);
  for (const line of party.lines) doc.text(line, x, doc.y + 1, { width });
  return doc.y;
}

function drawTableHeader(doc: PDFKit.PDFDocument, model: InvoicePdfModel, top: number): number {
  doc.font(BOLD).fontSize(9).fillColor('black');
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
  doc.font(REGULAR).fontSize(8).fillColor(GREY).text(`${model.title} ${model.number} (continued)`, PAGE.margin, PAGE.margin, { width: CONTENT_WIDTH });
  return PAGE.margin + 20;
}

function drawLines(doc: PDFKit.PDFDocument, model: InvoicePdfModel, top: number): number {
  let y = drawTableHeader(doc, model, top);
  for (const line of model.lines) {
    doc.font(REGULAR).fontSize(9);
    const height = doc.heightOfString(line.description, { width: COL_WIDTH.description });
    if (y + height > BOTTOM - 10) y = drawTableHeader(doc, model, newPage(doc, model));
    doc.font(REGULAR).fontSize(9).fillColor('black');
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
    doc.font(bold ? BOLD : REGULAR).fontSize(bold ? 11 : 9).fillColor('black');
    doc.text(row[0], labelX, y, { width: 160, align: 'right' });
    doc.text(row[1], COL.amount - 20, y, { width: COL_WIDTH.amount + 20, align: 'right' });
    y += bold ? 18 : 14;
  }
  return y;
}

function drawNotes(doc: PDFKit.PDFDocument, notes: string[], top: number): void {
  let y = top;
  doc.font(REGULAR).fontSize(8.5).fillColor('black');
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
