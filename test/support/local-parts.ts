import { LocalParts, LocalPartsProps } from '../../src/local-parts';

/** Starting moto and the emulator takes a second or two; a cold Python import on a busy CI runner, longer. */
const START_TIMEOUT_MS = 120_000;

/**
 * Starts the local parts once for the enclosing `describe` (or file) and stops them after its last test,
 * whether tests passed or failed. Returns a getter: the parts exist only once `beforeAll` has run.
 *
 * ```ts
 * const parts = useLocalParts({ emulator: { orgs: ['dev', 'qa'] } });
 * test('…', async () => { const s3 = new S3Client(awsClientConfig(parts())); … });
 * ```
 */
export function useLocalParts(props: LocalPartsProps = {}): () => LocalParts {
  let parts: LocalParts | undefined;
  beforeAll(async () => {
    parts = await LocalParts.start(props);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await parts?.stop();
  }, START_TIMEOUT_MS);
  return () => {
    if (!parts) throw new Error('useLocalParts(): the local parts are used before beforeAll started them.');
    return parts;
  };
}
