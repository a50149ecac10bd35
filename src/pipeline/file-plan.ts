import { S3Client } from '@aws-sdk/client-s3';
import { StateLayout } from '../catalog';
import { ChangedFilePolicy } from '../config';
import { formatS3Uri, SourceFile } from '../s3';
import { SourceLedger } from './source-ledger';

/** What a run does with one source file, decided before any job of the run exists. */
export type FilePlan =
  /** An earlier load of this very version finished: not loaded again (without --force). */
  | { readonly kind: 'skip'; readonly ledger: SourceLedger }
  /** A load of this very version is unfinished: it is resumed, whatever the options. */
  | { readonly kind: 'resume'; readonly ledger: SourceLedger }
  /**
   * A new load (`load` = 1 for the first of this version). Unfinished loads of earlier versions in
   * `settle` are settled first (their jobs in flight awaited and logged, nothing new sent).
   */
  | {
      readonly kind: 'new';
      readonly load: number;
      readonly skipLoadedRows: boolean;
      readonly settle: readonly SourceLedger[];
    };

/** A file that changed since an earlier run started loading it, and what that run did with it. */
export interface ChangedSource {
  readonly uri: string;
  readonly etag: string;
  readonly earlier: {
    readonly runId: string;
    readonly etag: string;
    /** Rows of the earlier version it logged as loaded (success rows). */
    readonly loaded: number;
    readonly finished: boolean;
  };
  /** --force was given, but an unfinished load of the earlier version is in the way. */
  readonly forceRefused: boolean;
}

/** Source files changed since an earlier run loaded them, refused before any job exists. Exit 1. */
export class SourceChangedSinceLoadError extends Error {
  constructor(
    readonly env: string,
    readonly object: string,
    readonly files: readonly ChangedSource[],
  ) {
    super(changedMessage(env, object, files));
    this.name = 'SourceChangedSinceLoadError';
  }
}

function changedMessage(env: string, object: string, files: readonly ChangedSource[]): string {
  const [first] = files;
  const e = first!.earlier;
  const rows = `${e.loaded.toLocaleString('en-US')} ${e.loaded === 1 ? 'row' : 'rows'}`;
  const what = e.finished
    ? `run ${e.runId} loaded ${rows} of its earlier version (ETag ${e.etag})`
    : `run ${e.runId} started loading its earlier version (ETag ${e.etag}) and did not finish (${rows} loaded so far)`;
  const more =
    files.length > 1 ? ` (and ${files.length - 1} more changed ${files.length === 2 ? 'file' : 'files'})` : '';
  const force = first!.forceRefused
    ? '--force (or onChangedFile: load-all) cannot be used while that load is unfinished (it never abandons work in progress); '
    : 'to load every row of the new version again, even rows already loaded, rerun with --force; ' +
      `to choose for every run, set objects[].onChangedFile (skip-loaded-rows or load-all) for ${object}; `;
  return (
    `${first!.uri} changed since ${what}${more}, so it is not loaded again silently. ` +
    `To load the corrected file without loading a row twice, rerun with --skip-loaded-rows: rows already loaded into ` +
    `${object} in ${env} are skipped and logged with their earlier record id${e.finished ? '' : ', after the unfinished load is settled'}; ` +
    `${force}or put the earlier version back and rerun`
  );
}

/** Org ids compared on their 15-character form; an unknown one matches any. */
function sameOrg(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a.slice(0, 15) === b.slice(0, 15);
}

export interface PlanFileProps {
  readonly s3: S3Client;
  /** The log bucket, where the state lives. */
  readonly bucket: string;
  readonly layout: StateLayout;
  readonly env: string;
  readonly object: string;
  readonly file: SourceFile;
  /** Load files again that completed. @default false */
  readonly force?: boolean;
  /** Load a changed file, skipping rows already loaded. @default false */
  readonly skipLoadedRows?: boolean;
  /** The object's own rule for changed files (objects[].onChangedFile). @default 'refuse' */
  readonly onChangedFile?: ChangedFilePolicy;
  /**
   * The org this run loads into; ledgers of loads into another org under the same env name (a config that
   * pointed the env elsewhere, with --confirm-env) are not loads into this one. @default unknown: all count
   */
  readonly orgId?: string;
}

/**
 * Decides what to do with a source file from every ledger of its key (docs/operations.md, "Reruns"):
 * - a load of this version unfinished → resume it (also with --force: work in progress is never abandoned);
 * - a load of this version done → skip, or with --force load it again;
 * - only loads of other versions (the file changed) → refuse, unless --skip-loaded-rows (load the rows not
 *   loaded yet, settling unfinished loads of earlier versions first) or --force (load every row again; not
 *   while a load of an earlier version is unfinished);
 * - no load at all → a first load.
 */
export async function planFile(props: PlanFileProps): Promise<FilePlan | ChangedSource> {
  const { file } = props;
  const history = (
    await SourceLedger.history(props.s3, props.bucket, props.layout, props.env, props.object, file)
  ).filter((l) => sameOrg(l.state.orgId, props.orgId));
  const active = history.filter((l) => l.isVersion(file) && l.state.status !== 'superseded');
  const nextLoad = 1 + Math.max(0, ...history.filter((l) => l.isVersion(file)).map((l) => l.load));
  const skipLoadedRows = props.skipLoadedRows ?? false;
  const latest = active.at(-1);
  if (latest?.state.status === 'in-progress') return { kind: 'resume', ledger: latest };
  if (latest?.state.status === 'done') {
    return props.force ? { kind: 'new', load: nextLoad, skipLoadedRows, settle: [] } : { kind: 'skip', ledger: latest };
  }
  const earlier = history.filter((l) => !active.includes(l));
  if (earlier.length === 0) return { kind: 'new', load: nextLoad, skipLoadedRows, settle: [] };
  const unfinished = earlier.filter((l) => l.state.status === 'in-progress');
  if (skipLoadedRows || props.onChangedFile === 'skip-loaded-rows') {
    return { kind: 'new', load: nextLoad, skipLoadedRows: true, settle: unfinished };
  }
  const loadAll = props.force === true || props.onChangedFile === 'load-all';
  if (loadAll && unfinished.length === 0) return { kind: 'new', load: nextLoad, skipLoadedRows, settle: [] };
  const last = (unfinished.length > 0 ? unfinished : earlier).at(-1)!;
  return {
    uri: formatS3Uri(file.bucket, file.key),
    etag: file.etag,
    earlier: {
      runId: last.state.runId,
      etag: last.state.source.etag,
      loaded: last.successRows,
      finished: last.state.status !== 'in-progress',
    },
    forceRefused: loadAll,
  };
}
