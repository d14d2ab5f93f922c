import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core: nothing is downloaded at run time. A machine
 * without it fails here with the command that installs it (.ci/run does), never skips.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  }
  // --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export const LAPTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Signs in on the console's form with the keyboard only (type, then Enter), as a keyboard user would. */
export async function signIn(page: Page, apiUrl: string, key: string): Promise<void> {
  await page.goto(`${apiUrl}/console`);
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The balance the overview shows, as a number (it prints grouped digits: 1,234.5). */
export async function shownBalance(page: Page): Promise<number> {
  const text = await page.getByTestId('balance').textContent({ timeout: 15000 });
  return Number((text ?? '').replace(/,/g, ''));
}

/** Waits until the element with `testId` reads `expected`; on a timeout the error carries what the page showed instead. */
export async function waitForShown(page: Page, testId: string, expected: RegExp, timeoutMs = 45000): Promise<void> {
  try {
    await page.getByTestId(testId).filter({ hasText: expected }).waitFor({ timeout: timeoutMs });
  } catch (error) {
    const shown = await page.locator('main').innerText().catch(() => '(no page)');
    throw new Error(`${testId} never read ${String(expected)}; the page showed:\n${shown}\n${error instanceof Error ? error.message : String(error)}`);
  }
}
