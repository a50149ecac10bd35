import { formatS3Uri, InvalidS3UriError, parseS3Uri } from '../../src/s3';

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
    '',
  ])('refuses %j with a message that shows the right form', (uri) => {
    expect(() => parseS3Uri(uri)).toThrow(InvalidS3UriError);
    expect(() => parseS3Uri(uri)).toThrow('s3://<bucket>/<key or prefix>');
  });

  test('formatS3Uri is its inverse', () => {
    expect(formatS3Uri('source', 'in/a.csv')).toBe('s3://source/in/a.csv');
    expect(parseS3Uri(formatS3Uri('source', 'in/a.csv'))).toEqual({ bucket: 'source', key: 'in/a.csv' });
  });
});
