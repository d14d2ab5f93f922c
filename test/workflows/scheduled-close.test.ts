import crypto from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { readStackInfo } from '../helpers/stack-info';
import { finishCloseSignal, monthEndClose as standInClose, scheduledClose } from './scheduled-close.workflows';

/**
 * scheduledClose through a real worker on a private task queue, with a stand-in monthEndClose
 * (see scheduled-close.workflows.ts): what matters here is which close it starts, under which id.
 */
const stack = readStackInfo();
const taskQueue = `scheduled-close-test-${crypto.randomUUID()}`;
let connection: Connection;
let client: Client;
let worker: { connection: NativeConnection; running: Promise<void>; worker: Worker };
const started: string[] = []; // every workflow id this file starts, for the cleanup

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
  const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const created = await Worker.create({ connection: workerConnection, namespace: stack.temporalNamespace, taskQueue, workflowsPath: require.resolve('./scheduled-close.workflows') });
  worker = { connection: workerConnection, worker: created, running: created.run() };
}, 60000);

afterAll(async () => {
  // Workflow ids are namespace-wide: nothing of this file may stay running (a close left open
  // would be joined by anyone starting that close).
  for (const workflowId of started) {
    const handle = client.workflow.getHandle(workflowId);
    const status = await handle.describe().then(
      (description) => description.status.name,
      (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return 'never started'; // a test failed before starting it
        throw error;
      },
    );
    if (status === 'RUNNING') await handle.terminate('scheduled-close test cleanup');
  }
  worker.worker.shutdown();
  await worker.running;
  await worker.connection.close();
  await connection.close();
});

/**
 * A Schedule time whose previous month no real close can use: a close of a month that has not
 * ended is refused (by the API and by the close itself), and other suites close past months
 * (privatePeriod). A year of its own per test, and checked: no close of it exists yet.
 */
let year = 9000 + crypto.randomInt(900);
async function scheduleTime(month: '01' | '07'): Promise<{ at: string; period: string; closeId: string }> {
  const y = year++;
  const period = month === '01' ? `${y - 1}-12` : `${y}-06`;
  const closeId = `close:${period}`;
  await expect(client.workflow.getHandle(closeId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  started.push(closeId);
  return { at: `${y}-${month}-01T00:05:00.000Z`, period, closeId };
}

function runScheduledClose(at: string, workflowId = `scheduled-close-test:${crypto.randomUUID()}`) {
  started.push(workflowId);
  return client.workflow.execute(scheduledClose, { workflowId, taskQueue, args: [{ at }] });
}

describe('scheduledClose', () => {
  it('starts the close of the month before its start time (December of the year before, in January) under close:<YYYY-MM>', async () => {
    const { at, period, closeId } = await scheduleTime('01');
    const parentId = `scheduled-close-test:${crypto.randomUUID()}`;
    expect(await runScheduledClose(at, parentId)).toBe(closeId);

    const close = client.workflow.getHandle(closeId);
    // still running after its starter finished: the close does not end with the scheduled run
    expect(await close.describe()).toMatchObject({ type: 'monthEndClose', taskQueue, status: { name: 'RUNNING' }, parentExecution: { workflowId: parentId } });
    await close.signal(finishCloseSignal);
    expect(await close.result()).toEqual({ period });
  });

  it('run again while its close is running: answers the same close, starts no second one', async () => {
    const { at, period, closeId } = await scheduleTime('07');
    expect(await runScheduledClose(at)).toBe(closeId);
    const close = client.workflow.getHandle(closeId);
    const { runId } = await close.describe();

    expect(await runScheduledClose(at)).toBe(closeId); // completes: execute would throw on a failed run
    expect(await close.describe()).toMatchObject({ runId, status: { name: 'RUNNING' } });
    await close.signal(finishCloseSignal);
    expect(await close.result()).toEqual({ period });
  });

  it('leaves a close that finance ops already started to run, with their input', async () => {
    const { at, period, closeId } = await scheduleTime('07');
    const operatorInput = { period, pageSize: 50 };
    const operatorClose = await client.workflow.start(standInClose, { workflowId: closeId, taskQueue, args: [operatorInput] });

    expect(await runScheduledClose(at)).toBe(closeId);
    const description = await operatorClose.describe();
    expect(description).toMatchObject({ runId: operatorClose.firstExecutionRunId, status: { name: 'RUNNING' } });
    expect(description.parentExecution).toBeUndefined();
    await operatorClose.signal(finishCloseSignal);
    expect(await operatorClose.result()).toEqual(operatorInput);
  });
});
