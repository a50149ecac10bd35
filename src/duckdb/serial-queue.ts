/**
 * Runs tasks one after another, in call order; a task that fails does not stop the ones after it (its
 * caller gets the error). Used where one resource must serve one caller at a time: a DuckDB connection
 * (the log queries, the Parquet conversions of every file of an object).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Settles once every task asked for so far has settled (whatever their outcome). */
  async idle(): Promise<void> {
    await this.tail;
  }
}
