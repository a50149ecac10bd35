import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface DuckDbSessionProps {
  /** Where DuckDB spills what does not fit in memory. */
  readonly tempDirectory: string;
  /**
   * The memory DuckDB may use before it spills.
   * @default DuckDB's own (80% of the machine's memory)
   */
  readonly memoryLimitMiB?: number;
  /**
   * Worker threads.
   * @default DuckDB's own (one per core)
   */
  readonly threads?: number;
  /**
   * Whether results keep the order of their input (false allows ROW_GROUP_SIZE_BYTES and uses less memory).
   * @default DuckDB's own (true)
   */
  readonly preserveInsertionOrder?: boolean;
}

/**
 * One in-memory DuckDB database and its connection: the only place the runner starts DuckDB. Every session
 * has the built-in extensions only (CSV, Parquet, zstd): DuckDB never downloads one at run time.
 */
export class DuckDbSession {
  /**
   * Starts DuckDB and connects; `setUp` (tables, views, settings) runs before the session is handed out, and
   * when it fails, DuckDB is stopped before the error is thrown.
   */
  static async open(
    props: DuckDbSessionProps,
    setUp?: (connection: DuckDBConnection) => Promise<void>,
  ): Promise<DuckDbSession> {
    const options: Record<string, string> = {
      temp_directory: props.tempDirectory,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (props.memoryLimitMiB !== undefined) options.memory_limit = `${props.memoryLimitMiB}MiB`;
    if (props.threads !== undefined) options.threads = String(props.threads);
    if (props.preserveInsertionOrder !== undefined) {
      options.preserve_insertion_order = String(props.preserveInsertionOrder);
    }
    const instance = await DuckDBInstance.create(':memory:', options);
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      await setUp?.(connection);
      return new DuckDbSession(instance, connection);
    } catch (error) {
      connection?.closeSync();
      instance.closeSync();
      throw error;
    }
  }

  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The session's connection. */
    readonly connection: DuckDBConnection,
  ) {}

  /** Stops DuckDB and hands its memory back; a second call does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
