/** An `--object` name the configuration does not list. */
export interface UnknownObjectName {
  /** The name as given. */
  readonly name: string;
  /** The configured object it most likely meant. */
  readonly suggestion: string | undefined;
}

/** One or more `--object` names are not in the configuration. Ends the command with exit 1. */
export class ObjectSelectionError extends Error {
  constructor(
    message: string,
    /** Every unknown name, in the order given. */
    readonly unknown: readonly UnknownObjectName[],
    /** The configured objects, in load order. */
    readonly available: readonly string[],
  ) {
    super(message);
    this.name = 'ObjectSelectionError';
  }
}
