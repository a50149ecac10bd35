import { createHash } from 'node:crypto';

/** A source file version as the state layout names it. */
export interface SourceVersion {
  readonly bucket: string;
  readonly key: string;
  /** The ETag, quotes included, as S3 returned it. */
  readonly etag: string;
}

/** A short, stable token of a source file version (bucket, key, ETag), used in state keys and log file names. */
export function sourceToken(file: SourceVersion): string {
  return sha16(`${file.bucket}/${file.key}@${file.etag}`);
}

/** A short, stable token of a source key, whatever its version: the folder of its ledgers. */
export function sourceKeyToken(file: Omit<SourceVersion, 'etag'>): string {
  return sha16(`${file.bucket}/${file.key}`);
}

function sha16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Where the runner keeps its own state in the log bucket, beside the log layout and never inside a log
 * directory (DESIGN.md §2.1): leases, source ledgers and run manifests, all under the state prefix.
 *
 * ```
 * <statePrefix>locks/<env>/<Object>.json                                  one lease per (env, object)
 * <statePrefix>state/<env>/<Object>/<source key token>/<version token>-<load>.json   one ledger per load of a file version
 * <statePrefix>runs/<run_id>/<env>/<Object>.json                          one manifest per run, env and object
 * <statePrefix>reports/<run_id>/<env>.html                               the run's HTML report (sfetl load --report)
 * ```
 *
 * Ledgers are grouped by source key so that every earlier version of a file is found with one listing: a
 * file replaced since it was loaded is recognised as changed, not taken for a new file.
 */
export class StateLayout {
  /** @param statePrefix e.g. `_sfetl/` ("" or ending with "/"). */
  constructor(readonly statePrefix: string) {}

  lock(env: string, object: string): string {
    return `${this.statePrefix}locks/${env}/${object}.json`;
  }

  /** The folder of every ledger of one source key, all versions and loads. */
  sourceFolder(env: string, object: string, file: Omit<SourceVersion, 'etag'>): string {
    return `${this.statePrefix}state/${env}/${object}/${sourceKeyToken(file)}/`;
  }

  /** The ledger of the `load`-th load (1 for the first) of one version of a source file. */
  ledger(env: string, object: string, file: SourceVersion, load: number): string {
    return `${this.sourceFolder(env, object, file)}${sourceToken(file)}-${load}.json`;
  }

  /** Where ledgers were kept before they were grouped by source key (read to recognise files loaded then). */
  legacyLedger(env: string, object: string, file: SourceVersion): string {
    return `${this.statePrefix}state/${env}/${object}/${sourceToken(file)}.json`;
  }

  manifest(runId: string, env: string, object: string): string {
    return `${this.statePrefix}runs/${runId}/${env}/${object}.json`;
  }

  /** The HTML report of one run in one env, written after the load (`sfetl load --report`). */
  report(runId: string, env: string): string {
    return `${this.statePrefix}reports/${runId}/${env}.html`;
  }
}
