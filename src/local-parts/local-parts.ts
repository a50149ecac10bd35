import { AwsEndpoint, MotoServer, MotoServerProps } from './moto-server';
import { OrgEmulator, OrgEmulatorOptions, OrgEndpoint } from '../../packages/emulator/src';

export interface LocalPartsProps {
  /**
   * Start moto (S3, Glue Data Catalog, Secrets Manager over HTTP); `true` for the defaults.
   * @default true
   */
  readonly moto?: boolean | MotoServerProps;
  /**
   * Start the Salesforce org emulator with these options; `false` to leave it out.
   * @default { orgs: ['dev'] }
   */
  readonly emulator?: OrgEmulatorOptions | false;
}

/** A part was asked for that this `LocalParts` was started without. */
export class LocalPartNotStartedError extends Error {
  constructor(readonly part: 'moto' | 'emulator') {
    super(`The local parts were started without ${part}; pass it to LocalParts.start() to use it.`);
    this.name = 'LocalPartNotStartedError';
  }
}

/** Runs `action` in a promise, so one that throws synchronously is still caught and settled with the others. */
function attempt<T>(action: () => Promise<T>): Promise<T> {
  return Promise.resolve().then(action);
}

function reasons(outcomes: readonly PromiseSettledResult<unknown>[]): unknown[] {
  return outcomes
    .filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    .map((outcome) => outcome.reason as unknown);
}

/** One failure is rethrown as it is (its type intact for `instanceof`); several travel together, first first. */
function oneError(errors: readonly unknown[], message: string): unknown {
  if (errors.length === 1) return errors[0];
  return new AggregateError(errors, `${message}: ${errors.map(String).join('; ')}`);
}

/**
 * The real local parts (moto and the org emulator), started together, stopped together. Integration
 * tests, `sfetl demo` and `sfetl stack` run on this; nothing here needs an AWS account or a Salesforce org.
 */
export class LocalParts {
  /** Starts the chosen parts in parallel; if one fails, stops the others before rethrowing. */
  static async start(props: LocalPartsProps = {}): Promise<LocalParts> {
    const motoProps = props.moto ?? true;
    const emulatorOptions = props.emulator ?? { orgs: ['dev'] };
    const moto = motoProps === false ? undefined : MotoServer.start(motoProps === true ? {} : motoProps);
    const emulator = emulatorOptions === false ? undefined : attempt(() => OrgEmulator.start(emulatorOptions));

    const [motoOutcome, emulatorOutcome] = await Promise.allSettled([moto, emulator]);
    if (motoOutcome.status === 'fulfilled' && emulatorOutcome.status === 'fulfilled') {
      return new LocalParts(motoOutcome.value, emulatorOutcome.value);
    }
    // A failed start leaves nothing running: stop what did come up, then report the start failure first.
    const running = [motoOutcome, emulatorOutcome].flatMap((outcome) =>
      outcome.status === 'fulfilled' && outcome.value ? [outcome.value] : [],
    );
    const cleanup = await Promise.allSettled(running.map((part) => attempt(() => part.stop())));
    throw oneError([...reasons([motoOutcome, emulatorOutcome]), ...reasons(cleanup)], 'Local parts did not start');
  }

  private stopping?: Promise<void>;

  private constructor(
    private readonly motoServer: MotoServer | undefined,
    private readonly orgEmulator: OrgEmulator | undefined,
  ) {}

  /** Where AWS SDK clients reach moto; pass it (or this) to `awsClientConfig`. */
  get aws(): AwsEndpoint {
    return this.moto;
  }

  /** The emulated orgs by name (`dev`, `qa` …) with their login URL and client credentials. */
  get orgs(): Readonly<Record<string, OrgEndpoint>> {
    return this.emulator.orgs;
  }

  get moto(): MotoServer {
    if (!this.motoServer) throw new LocalPartNotStartedError('moto');
    return this.motoServer;
  }

  get emulator(): OrgEmulator {
    if (!this.orgEmulator) throw new LocalPartNotStartedError('emulator');
    return this.orgEmulator;
  }

  /** Stops every part, even when one fails to stop, then reports the failures. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.stopParts();
    return this.stopping;
  }

  private async stopParts(): Promise<void> {
    const parts = [this.motoServer, this.orgEmulator].filter((part) => part !== undefined);
    const errors = reasons(await Promise.allSettled(parts.map((part) => attempt(() => part.stop()))));
    if (errors.length > 0) throw oneError(errors, 'Local parts did not stop cleanly');
  }
}
