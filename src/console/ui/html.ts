/**
 * Views are functions from data to HTML text. `html` escapes every interpolated value unless it
 * is already `Html` (a nested view), so text from the API can never become markup.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Part = Html | string | number | boolean | null | undefined | Part[];

function partText(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (Array.isArray(part)) return part.map(partText).join('');
  if (part instanceof Html) return part.text;
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let text = strings[0] ?? '';
  parts.forEach((part, index) => {
    text += partText(part) + (strings[index + 1] ?? '');
  });
  return new Html(text);
}
