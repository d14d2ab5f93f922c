/**
 * The few browser APIs the console uses, typed here. The project's TypeScript program is Node's
 * (no DOM library); adding the DOM library to it would change Node's own types in other files.
 */
export interface ConsoleElement {
  innerHTML: string;
  textContent: string | null;
  value: string;
  hidden: boolean;
  disabled: boolean;
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): ConsoleElement | null;
  closest(selector: string): ConsoleElement | null;
  focus(): void;
  click(): void;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: (event: ConsoleEvent) => void): void;
  remove(): void;
  href: string;
  download: string;
}

export interface ConsoleEvent {
  target: ConsoleElement | null;
  preventDefault(): void;
}

interface BrowserGlobals {
  document: {
    getElementById(id: string): ConsoleElement | null;
    createElement(tag: string): ConsoleElement;
    body: ConsoleElement & { appendChild(child: ConsoleElement): void };
    title: string;
    addEventListener(type: string, listener: (event: ConsoleEvent) => void): void;
  };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  location: { hash: string; origin: string; assign(url: string): void };
  addEventListener(type: string, listener: () => void): void;
  URL: { createObjectURL(blob: Blob): string; revokeObjectURL(url: string): void };
}

export const browser = globalThis as unknown as BrowserGlobals;

export function element(id: string): ConsoleElement {
  const found = browser.document.getElementById(id);
  if (!found) throw new Error(`the console page has no #${id}`);
  return found;
}
