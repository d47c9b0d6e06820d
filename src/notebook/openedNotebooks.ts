import { IDataJobsModel } from '../tokens';

/** The load of the jobs that opened notebooks are waiting for, per model. */
const pending = new WeakMap<IDataJobsModel, Promise<void>>();

/**
 * Load the jobs for notebooks that just opened (their badges and toolbar
 * need to know their job): notebooks that open together, as a restored
 * layout opens them, and the plugins of each notebook share one request.
 */
export function loadJobsForNotebooks(model: IDataJobsModel): Promise<void> {
  let load = pending.get(model);
  if (!load) {
    load = model.refresh().finally(() => pending.delete(model));
    pending.set(model, load);
  }
  return load;
}
