import fs from 'node:fs';
import path from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundle } from '../../src/worker/create-worker';
import { historyFromJson } from '../helpers/history-json';
import * as workflows from '../../workflows';

/**
 * Every history recorded under test/histories (npm run histories:record) replays against the
 * current workflow code. A change that alters the commands a workflow issues for a recorded
 * history (reordered or added activities, timers, children without patched()) fails here, naming
 * the history file and Temporal's message with the event id, before it can break running
 * workflows in production. See CONTRIBUTING.md for how to change workflow code.
 */
const HISTORIES_DIR = path.resolve(__dirname, '../histories');

/** Every workflow type the worker runs must have at least one recorded history. */
const WORKFLOW_TYPES = [
  'autoRecharge',
  'checkoutToCredit',
  'issueInvoice',
  'monthEndClose',
  'overageSweep',
  'publisherPayout',
  'publisherPayoutRun',
  'reconcileCheckouts',
  'refund',
  'scheduledClose',
  'subscription',
  'systemCheck',
  'webhookDelivery',
];

function recordedHistories(): Array<{ file: string; type: string; history: ReturnType<typeof historyFromJson> }> {
  return fs
    .readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'variants')
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(HISTORIES_DIR, dir.name))
        .filter((name) => name.endsWith('.json'))
        .map((name) => ({
          file: `${dir.name}/${name}`,
          type: dir.name,
          history: historyFromJson(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, dir.name, name), 'utf8'))),
        })),
    );
}

const histories = recordedHistories();

describe('recorded workflow histories replay against the current code', () => {
  it('has a history for every workflow type the worker runs', () => {
    const exported = Object.keys(workflows).sort();
    expect(exported).toEqual([...WORKFLOW_TYPES].sort());
    const recorded = new Set(histories.map((h) => h.type));
    expect(WORKFLOW_TYPES.filter((type) => !recorded.has(type))).toEqual([]);
  });

  it('replays every recorded history without a non-determinism error', async () => {
    const bundle = await workflowBundle();
    const failures: string[] = [];
    const results = Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'ci-replay' }, histories.map((h) => ({ workflowId: h.file, history: h.history })));
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  }, 120_000);

  it('catches a workflow whose activities were reordered', async () => {
    const refundHistory = histories.find((h) => h.type === 'refund');
    expect(refundHistory).toBeDefined();
    const reordered = await bundleWorkflowCode({ workflowsPath: path.join(HISTORIES_DIR, 'variants/refund-reordered.workflows.ts'), logger: quietLogger });
    const replay = Worker.runReplayHistory({ workflowBundle: reordered, replayName: 'ci-replay-reordered' }, refundHistory!.history, refundHistory!.file);
    await expect(replay).rejects.toMatchObject({
      name: 'DeterminismViolationError',
      message: expect.stringMatching(/Nondeterminism error: Activity type of scheduled event 'applyRefundClawback' does not match activity type of activity command 'refundCreditNoteInput'/),
    });
  }, 120_000);
});

const quietLogger = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
