// Loads generated records into a store through its import session (benchmark setup, not timed).
import { generateRecords } from './generate.mjs';

/** Imports `generateRecords(options)` into `store` in batches of 10,000, in one import. */
export async function fillStore(store, options) {
  const session = await store.beginImport();
  let batch = [];
  for (const r of generateRecords(options)) {
    batch.push(r);
    if (batch.length === 10_000) {
      await session.add(batch);
      batch = [];
    }
  }
  await session.add(batch);
  await session.commit();
}
