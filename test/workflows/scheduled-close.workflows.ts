/**
 * Test-only workflows for test/workflows/scheduled-close.test.ts: the real scheduledClose, and in
 * place of the real monthEndClose (same name, so scheduledClose's child runs it) one that closes
 * nothing: it holds its input until signalled, so a test sees which close was started and with
 * what, and can have a close "already running", without touching any account.
 */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import type { MonthEndCloseInput } from '../../workflows/month-end-close.workflow';

export { scheduledClose } from '../../workflows/scheduled-close.workflow';

export const finishCloseSignal = defineSignal('finish');

export async function monthEndClose(input: MonthEndCloseInput): Promise<MonthEndCloseInput> {
  let finished = false;
  setHandler(finishCloseSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return input;
}
