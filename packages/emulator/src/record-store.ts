import { FieldValue, SObjectRecord } from './sobject-schema';

/** Turns a row a job uploaded back into the field values it wrote (see RowSource). */
export interface RowDecoder {
  decode(row: string, parents: readonly string[] | undefined): Record<string, FieldValue>;
}

/** A job's uploaded text and how its rows decode (one per job and write mode). */
export interface JobText {
  readonly text: string;
  readonly decoder: RowDecoder;
}

/**
 * What one row of a Bulk API job wrote, in the form it is stored: where the row lies in the job's text,
 * and the parent ids its relationship columns resolved to. The values are decoded each time the record
 * is read.
 */
export interface RowSource {
  readonly job: JobText;
  readonly start: number;
  readonly end: number;
  readonly parents: readonly string[] | undefined;
}

/** Updates stacked on a record before it is stored as a plain object again (reads decode each one). */
const MAX_STACKED_UPDATES = 8;

/** Objects several versions share (job texts, audit stamps), counted so they go when the last one does. */
class Shared<T extends object> {
  private readonly ids = new Map<T, number>();
  private readonly items: (T | undefined)[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];

  acquire(item: T): number {
    let id = this.ids.get(item);
    if (id === undefined) {
      id = this.free.pop() ?? this.items.length;
      this.ids.set(item, id);
      this.items[id] = item;
      this.refs[id] = 0;
    }
    this.refs[id]!++;
    return id;
  }

  get(id: number): T {
    return this.items[id]!;
  }

  get size(): number {
    return this.ids.size;
  }

  release(id: number): void {
    if (--this.refs[id]! > 0) return;
    this.ids.delete(this.items[id]!);
    this.items[id] = undefined;
    this.free.push(id);
  }
}

/**
 * The records of one org, by slot (the counter of the record's id: ids come from one counter per org, so
 * slots are dense). A record written by a Bulk API job is kept as versions in typed arrays: for each
 * insert or update, where its row lies in the job's text, the audit stamp, and the version it updated.
 * Nothing per record is then a JavaScript object: a million records kept as objects with a string per
 * field made V8's garbage collector most of the emulator's processing time, and kept as small objects
 * pointing into the text, still a fifth of it (copying them out of the young generation). Records
 * restored from a snapshot, and records updated many times, are kept as plain objects.
 */
export class RecordStore {
  /** The table (1-based) each slot's record belongs to; 0 for an empty slot. */
  private owner = new Int16Array(1024);
  /** Each slot's current version (0: a plain record, in `plain`). */
  private current = new Int32Array(1024);
  private readonly plain: (SObjectRecord | undefined)[] = [];

  private job = new Int32Array(1024);
  private start = new Int32Array(1024);
  private end = new Int32Array(1024);
  private stamp = new Int32Array(1024);
  /** The version a version updated (0: none, an insert; -1: a plain record, in `plainBefore`). */
  private before = new Int32Array(1024);
  private depth = new Uint8Array(1024);
  private readonly parents = new Map<number, readonly string[]>();
  private readonly plainBefore = new Map<number, SObjectRecord>();
  private versions = 1;
  private readonly freeVersions: number[] = [];
  private readonly jobs = new Shared<JobText>();
  private readonly stamps = new Shared<Readonly<Record<string, FieldValue>>>();

  /** How many job texts stored records point into (a text goes when its last record does). */
  get jobTexts(): number {
    return this.jobs.size;
  }

  /** How many row versions are kept (an insert is one, each update stacked on it one more). */
  get rowVersions(): number {
    return this.versions - 1 - this.freeVersions.length;
  }

  /** The table (1-based) a slot's record belongs to, 0 if none. */
  ownerOf(slot: number): number {
    return slot < this.owner.length ? this.owner[slot]! : 0;
  }

  /** A slot's record as field values (decoded for a record kept as versions); `id` is the record's id. */
  read(slot: number, id: string): SObjectRecord {
    const version = this.current[slot]!;
    return version === 0 ? this.plain[slot]! : this.decode(version, id);
  }

  /** A plain record stored as it is. */
  putPlain(slot: number, table: number, record: SObjectRecord): void {
    this.grow(slot);
    this.dropVersions(slot);
    this.owner[slot] = table;
    this.plain[slot] = record;
  }

  /** A record inserted from a row, with the audit fields and defaults of `stamp`. */
  insert(slot: number, table: number, source: RowSource, stamp: Readonly<Record<string, FieldValue>>): void {
    this.grow(slot);
    this.owner[slot] = table;
    this.current[slot] = this.newVersion(source, stamp, 0, 0);
  }

  /** A row's update of the record in `slot` (`id`), with the audit fields of `stamp`. */
  update(slot: number, id: string, source: RowSource, stamp: Readonly<Record<string, FieldValue>>): void {
    const previous = this.current[slot]!;
    let version: number;
    if (previous === 0) {
      version = this.newVersion(source, stamp, -1, 1);
      this.plainBefore.set(version, this.plain[slot]!);
      this.plain[slot] = undefined;
    } else {
      version = this.newVersion(source, stamp, previous, this.depth[previous]! + 1);
    }
    this.current[slot] = version;
    if (this.depth[version]! > MAX_STACKED_UPDATES) {
      // Stored as a plain object again: reads would decode every version.
      this.putPlain(slot, this.owner[slot]!, this.decode(version, id));
    }
  }

  remove(slot: number): void {
    if (slot >= this.owner.length) return;
    this.dropVersions(slot);
    this.owner[slot] = 0;
    this.plain[slot] = undefined;
  }

  clear(): void {
    for (let slot = 0; slot < this.owner.length; slot++) if (this.owner[slot] !== 0) this.remove(slot);
  }

  private decode(version: number, id: string): SObjectRecord {
    const job = this.jobs.get(this.job[version]!);
    const values = job.decoder.decode(
      job.text.slice(this.start[version], this.end[version]),
      this.parents.get(version),
    );
    const stamp = this.stamps.get(this.stamp[version]!);
    const before = this.before[version]!;
    if (before === 0) return { Id: id, ...values, ...stamp };
    const previous = before < 0 ? this.plainBefore.get(version)! : this.decode(before, id);
    return { ...previous, ...values, ...stamp, Id: id };
  }

  private newVersion(
    source: RowSource,
    stamp: Readonly<Record<string, FieldValue>>,
    before: number,
    depth: number,
  ): number {
    const version = this.freeVersions.pop() ?? this.versions++;
    if (version >= this.job.length) this.growVersions(version);
    this.job[version] = this.jobs.acquire(source.job);
    this.start[version] = source.start;
    this.end[version] = source.end;
    this.stamp[version] = this.stamps.acquire(stamp);
    this.before[version] = before;
    this.depth[version] = depth;
    if (source.parents) this.parents.set(version, source.parents);
    return version;
  }

  /** Frees the versions of the record in `slot` (it is removed or replaced by a plain object). */
  private dropVersions(slot: number): void {
    let version = this.current[slot]!;
    this.current[slot] = 0;
    while (version > 0) {
      const before = this.before[version]!;
      this.jobs.release(this.job[version]!);
      this.stamps.release(this.stamp[version]!);
      this.parents.delete(version);
      this.plainBefore.delete(version);
      this.freeVersions.push(version);
      version = before;
    }
  }

  private grow(slot: number): void {
    if (slot < this.owner.length) return;
    const size = Math.max(slot + 1, this.owner.length * 2);
    this.owner = resized(this.owner, size);
    this.current = resized(this.current, size);
  }

  private growVersions(version: number): void {
    const size = Math.max(version + 1, this.job.length * 2);
    this.job = resized(this.job, size);
    this.start = resized(this.start, size);
    this.end = resized(this.end, size);
    this.stamp = resized(this.stamp, size);
    this.before = resized(this.before, size);
    this.depth = resized(this.depth, size);
  }
}

function resized<T extends Int16Array | Int32Array | Uint8Array>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  return next;
}
