import type { Worker } from '@temporalio/worker';
import type { WorkerSlots } from './scrape-metrics';

export type { WorkerSlots };

type SlotSupplier = { type?: string; numSlots?: number } | undefined;
const fixedSlots = (supplier: SlotSupplier): number | null => (supplier?.type === 'fixed-size' && typeof supplier.numSlots === 'number' ? supplier.numSlots : null);

/** A worker's in-flight tasks (getStatus) and its fixed slot counts (from its compiled options). */
export function slotsOf(worker: Worker): WorkerSlots {
  const tuner = worker.options.tuner as unknown as { activityTaskSlotSupplier?: SlotSupplier; workflowTaskSlotSupplier?: SlotSupplier } | undefined;
  return {
    status: worker.getStatus(),
    activitySlots: fixedSlots(tuner?.activityTaskSlotSupplier),
    workflowTaskSlots: fixedSlots(tuner?.workflowTaskSlotSupplier),
  };
}
