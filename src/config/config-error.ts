import { redactUrl } from './redaction';

/** One mistake in a configuration: where it is and what to do about it. */
export interface ConfigProblem {
  /** Where in the document, e.g. `environments.qa.apiVersion` or `objects[2].operation`; "" for the whole file. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * A configuration that cannot be used: unreadable, unparsable or invalid. Carries every problem found,
 * not only the first; the message has one line per problem, prefixed with the source.
 */
export class ConfigError extends Error {
  constructor(
    /** Where the configuration came from: the local path or s3:// URI as given. */
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    // An s3:// or other URI given to --config may carry user info; the message never repeats it.
    super(problems.map((p) => `${redactUrl(source)}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}
