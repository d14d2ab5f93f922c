import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker';

describe('workflow bundle', () => {
  // A workflow that imports a Node built-in or does I/O fails here, in CI, not in production.
  it('bundles every workflow for the Temporal sandbox', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
    expect(bundle.code).toContain('systemCheck');
  }, 120000);
});
