import type { CallRecord } from '../contract/record.js';
import type { RecordLookup } from '../contract/record-lookup.js';
import type { JsonColumns, ProofExtraFields, ProofLeaves } from '../contract/proof.js';
import type { RecordFilters } from '../contract/filters.js';
import type { Outcome, TimeWindow, UrlFilter } from '../contract/query.js';
import type { CallCounts, Percentiles } from '../contract/stats.js';

/** One page of a calllogs query and the number of records in the whole window. */
export interface QueryPage {
  count: number;
  records: CallRecord[];
}

export interface StoreQuery extends TimeWindow {
  vdnId: number;
  url: UrlFilter | undefined;
  /** Only calls with this outcome; all when undefined. */
  outcome?: Outcome;
  filters?: RecordFilters;
  offset: number;
  limit: number;
}

/** What `scan` reads: every record, or those of one VDN (`null`: calls naming no VDN), in a window. */
/** What the stats interface asks of a store: calls and failures per bucket and per url. */
export interface StatsQuery extends TimeWindow {
  vdnId: number;
  url: UrlFilter | undefined;
  outcome?: Outcome;
  filters?: RecordFilters;
  /** A minute, five minutes or an hour (whole-hour buckets come from the count structures). */
  bucketMs: number;
}

export interface StoreStats {
  /** Every bucket from the one holding `fromMs` to the one holding `toMs - 1`, oldest first. */
  buckets: (CallCounts & Percentiles & { start: number })[];
  /** Every url with calls in the window. */
  urls: (CallCounts & { url: string })[];
  /** Every access key with calls in the window (calls without one are not listed). */
  aks: (CallCounts & { ak: string })[];
  /** Every result code of the window's calls. */
  resultCodes: (CallCounts & { resultCode: string })[];
}

export interface ScanFilter {
  vdnId?: number | null;
  fromMs?: number;
  toMs?: number;
  url?: UrlFilter;
  outcome?: Outcome;
  filters?: RecordFilters;
}

/** An access key as stored: `sk` is sealed when the store was written with a master key. */
export interface StoredKey {
  ak: string;
  sk: string;
  /** The VDNs the key may act on; `'all'` for an all-VDN key. */
  vdns: number[] | 'all';
  label: string;
  disabled: boolean;
  createdAt: number;
}

export interface KeyRepository {
  /** Throws `DuplicateKeyError` when the AK exists. */
  insert(key: StoredKey): Promise<void>;
  get(ak: string): Promise<StoredKey | undefined>;
  list(): Promise<StoredKey[]>;
  /** `false` when there is no such key. */
  setDisabled(ak: string, disabled: boolean): Promise<boolean>;
  delete(ak: string): Promise<boolean>;
  count(): Promise<number>;
}

/** A single transaction that loads many records: all of them, or none. */
export interface ImportSession {
  /**
   * Adds records in input order. A record that cannot be stored makes `add` or a later call
   * (a store may write behind) throw `ImportRowError` naming it by its ordinal in the import.
   */
  add(records: CallRecord[]): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface LogStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Writes the records in one transaction. Idempotent: a record whose id is stored already is
   * skipped, so a batch retried after an uncertain commit is written exactly once.
   */
  insertBatch(records: CallRecord[]): Promise<void>;
  /** Newest first (`operTime` desc, `id` desc), with the count of the whole window. */
  query(query: StoreQuery): Promise<QueryPage>;
  /** Calls and failures per time bucket and per url over a window, from the count structures. */
  stats(query: StatsQuery): Promise<StoreStats>;
  /** The VDN's record with this receive time and id (its key in both stores), if there is one. */
  findRecord(vdnId: number, key: RecordLookup): Promise<CallRecord | undefined>;
  /** Every matching record, oldest first within each VDN, VDNs in ascending order (no VDN first). */
  scan(filter: ScanFilter): AsyncIterable<CallRecord>;
  beginImport(): Promise<ImportSession>;
  countRecords(): Promise<number>;
  /**
   * Removes records received before `cutoffMs` without blocking queries or writes for long; returns
   * how many records (SQLite) or whole days (PostgreSQL, which drops day partitions) went.
   */
  removeBefore(cutoffMs: number): Promise<number>;
  /** Periodic upkeep (PostgreSQL: creates the coming days' partitions). */
  maintain(nowMs: number): Promise<void>;
  readonly keys: KeyRepository;
  /** The tamper-evident logs of the records (docs/integrity.md). */
  readonly integrity: IntegrityRepository;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateKeyError extends Error {
  constructor(ak: string) {
    super(`access key ${ak} already exists`);
    this.name = 'DuplicateKeyError';
  }
}

export class ImportRowError extends Error {
  constructor(
    /** 0 for the first record added to the import session, and so on. */
    readonly ordinal: number,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRowError';
  }
}

/** Stored VDN of a call that names none (VDNs are 1..9999). */
export const NO_VDN = 0;

/** A VDN's log as stored: its sealed head and the latest signed checkpoint kept for it. */
export interface StoredLogHead {
  /** The log: a VDN, 0 for calls naming none. */
  vdn: number;
  size: number;
  /** Hashes of the head's frontier (log-append.ts), left to right. */
  frontier: Uint8Array[];
  checkpoint: string | null;
  checkpointSize: number | null;
}

/** A leaf of a log: which record, when received, and the digest of its canonical text. */
export interface LeafEntry {
  index: number;
  recordId: string;
  operTime: number;
  digest: Uint8Array;
}

/**
 * Consecutive leaves of a log: element `i` of each column is of the range's leaf `i`. The ids and
 * times are JSON array text as the database aggregated them: a proof's answer takes them unparsed.
 */
export interface LeafColumns extends Pick<JsonColumns<ProofLeaves>, 'ids' | 'operTimes'> {
  /** The digests, 32 bytes each, concatenated. */
  digests: Uint8Array;
}

/** A leaf of a log with the record it was made from, when the store still holds one by that id. */
export interface LeafWithRecord extends LeafEntry {
  record: CallRecord | undefined;
}

/** A proof's leaves and the extra fields of their records (IntegrityRepository.proofLeaves). */
export interface LeavesWithExtras {
  leaves: LeafColumns;
  extraFields: JsonColumns<ProofExtraFields>;
}

export interface IntegrityRepository {
  /**
   * Appends up to `max` records that are in no log yet to their VDNs' logs, in the order their
   * writes committed; returns how many. Safe to run from several processes at once.
   */
  seal(max: number): Promise<number>;
  /** The records a seal should take at a time on this store (the sealer's batch). */
  readonly sealBatch: number;
  /**
   * Whether a seal holds the lock that record writes wait for (SQLite's one write lock): a sealer
   * that lost its core mid-seal would then hold up every writer, so it keeps the writers' priority.
   */
  readonly sealBlocksWriters: boolean;
  /** Records written and not sealed yet. */
  unsealedCount(): Promise<number>;
  heads(): Promise<StoredLogHead[]>;
  /** Keeps a signed checkpoint for a log, unless one of a larger tree is kept already. */
  saveCheckpoint(vdn: number, size: number, note: string): Promise<void>;
  /**
   * Registers the verifier key checkpoints are signed with, if none is registered; returns the
   * registered one (an instance holding another key must not sign).
   */
  registerKey(verifierKey: string): Promise<string>;
  /** The registered verifier key, if any instance has signed yet. */
  registeredKey(): Promise<string | null>;
  /** One log's head, if the log exists. */
  head(vdn: number): Promise<StoredLogHead | undefined>;
  /** The first and last index (inclusive) of the log's leaves below `size` received in [fromMs, toMs]. */
  leafRange(vdn: number, fromMs: number, toMs: number, size: number): Promise<{ first: number; last: number } | undefined>;
  /** Leaves `start` to `end - 1` of a log, in order, column by column (aggregated by the database: no row objects, nothing parsed). */
  leafColumns(vdn: number, start: number, end: number): Promise<LeafColumns>;
  /**
   * A proof's leaves `start` to `end - 1` (as leafColumns) and the fields the calllogs answer leaves
   * out of their records as they were sealed (kept with the leaves: leaf-tiles.ts), those removed by
   * retention left out, as JSON array text. Each store reads both as is fastest for it.
   */
  proofLeaves(vdn: number, start: number, end: number): Promise<LeavesWithExtras>;
  /** Stored subtree hashes (log-append.ts) by level and index, in the order asked; throws when one is missing. */
  nodeHashes(vdn: number, nodes: { level: number; index: number }[]): Promise<Uint8Array[]>;
  /** A log's leaves `start` to `end - 1` (by default all), in order, each with its record as stored now. */
  leaves(vdn: number, start?: number, end?: number): AsyncIterable<LeafWithRecord>;
  /** Records that are older than the sealed position yet in no log (written in behind the sealer's back). */
  unlogged(): AsyncIterable<CallRecord>;
  /** Records received before this time may have been removed by retention (0: none were). */
  retainedFrom(): Promise<number>;
}
