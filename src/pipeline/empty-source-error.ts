import { csvMessages } from './csv-messages';

/** A source file with no header line (empty, or only blank lines): fatal before any job exists. */
export class EmptySourceError extends Error {
  constructor(
    /** The source as named to the splitter, e.g. s3://bucket/key. */
    readonly source: string,
  ) {
    super(csvMessages.emptySource(source));
    this.name = 'EmptySourceError';
  }
}
