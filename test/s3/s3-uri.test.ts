import { asKeyPrefix, formatS3Uri, InvalidS3UriError, isS3Uri, keyInBucket, parseS3Uri } from '../../src/s3';

describe('parseS3Uri', () => {
  test.each([
    ['s3://source/in/Contact.csv', { bucket: 'source', key: 'in/Contact.csv' }],
    ['s3://source/in/contacts/', { bucket: 'source', key: 'in/contacts/' }],
    ['s3://source/', { bucket: 'source', key: '' }],
    ['s3://source', { bucket: 'source', key: '' }],
    ['s3://my.bucket-1/a b/ü%20.csv', { bucket: 'my.bucket-1', key: 'a b/ü%20.csv' }],
  ])('%s', (uri, expected) => {
    expect(parseS3Uri(uri)).toEqual(expected);
  });

  test.each([
    'https://source.s3.amazonaws.com/in/a.csv',
    'S3://source/a.csv',
    's3:/source/a.csv',
    's3:///a.csv',
    'source/a.csv',
    's3://Upper/a.csv',
    's3://legacy_bucket/a.csv',
    's3a://source/a.csv',
    '',
  ])('refuses %j with a message that shows the right form', (uri) => {
    expect(() => parseS3Uri(uri)).toThrow(InvalidS3UriError);
    expect(() => parseS3Uri(uri)).toThrow('s3://<bucket>/<key or prefix>');
  });

  test('formatS3Uri is its inverse', () => {
    expect(formatS3Uri('source', 'in/a.csv')).toBe('s3://source/in/a.csv');
    expect(parseS3Uri(formatS3Uri('source', 'in/a.csv'))).toEqual({ bucket: 'source', key: 'in/a.csv' });
  });

  test('takes other schemes only when asked (a Spark partition location in s3a://)', () => {
    expect(parseS3Uri('s3a://logs/success/', ['s3', 's3a'])).toEqual({ bucket: 'logs', key: 'success/' });
    expect(isS3Uri('s3a://logs/success/')).toBe(false);
    expect(isS3Uri('s3://logs/success/')).toBe(true);
  });
});

describe('keyInBucket', () => {
  test('is the key of a URI in that bucket', () => {
    expect(keyInBucket('s3://logs/success/Contact/part-0.parquet', 'logs')).toBe('success/Contact/part-0.parquet');
  });

  test('refuses a URI of another bucket rather than use it as a key', () => {
    expect(() => keyInBucket('s3://other/success/a.parquet', 'logs')).toThrow(InvalidS3UriError);
  });
});

describe('asKeyPrefix', () => {
  test.each([
    ['', ''],
    ['/', ''],
    ['logs', 'logs/'],
    ['/logs/', 'logs/'],
    ['a/b', 'a/b/'],
  ])('%j → %j', (prefix, expected) => {
    expect(asKeyPrefix(prefix)).toBe(expected);
  });
});
