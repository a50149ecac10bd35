import { JobText, RecordStore, RowSource } from '../src/record-store';
import { FieldValue } from '../src/sobject-schema';

/** A job whose rows are `Name,Title` lines; its decoder parses one. */
function job(lines: string[]): JobText & { place(row: number): RowSource } {
  const text = lines.join('\n');
  const starts = lines.map((_, i) => lines.slice(0, i).reduce((n, line) => n + line.length + 1, 0));
  return {
    text,
    decoder: {
      decode: (row) => {
        const [Name, Title] = row.split(',');
        const values: Record<string, FieldValue> = { Name: Name! };
        if (Title) values.Title = Title === '#N/A' ? null : Title;
        return values;
      },
    },
    place(row: number): RowSource {
      return { job: this, start: starts[row]!, end: starts[row]! + lines[row]!.length, parents: undefined };
    },
  };
}

const CREATED = Object.freeze({ CreatedDate: 'c', LastModifiedDate: 'c' });
const MODIFIED = Object.freeze({ LastModifiedDate: 'm' });

describe('RecordStore', () => {
  test('a row-stored record reads as its row decoded, with its stamp; updates stack in order', () => {
    const store = new RecordStore();
    const a = job(['Ada,Countess', 'Grace,Admiral']);
    store.insert(7, 1, a.place(0), CREATED);
    store.insert(8, 1, a.place(1), CREATED);
    const b = job(['Ada,Analyst', 'Ada,#N/A']);
    store.update(7, 'id7', b.place(0), MODIFIED);
    expect(store.read(7, 'id7')).toEqual({
      Id: 'id7',
      Name: 'Ada',
      Title: 'Analyst',
      CreatedDate: 'c',
      LastModifiedDate: 'm',
    });
    store.update(7, 'id7', b.place(1), MODIFIED);
    expect(store.read(7, 'id7').Title).toBeNull();
    expect(store.read(8, 'id8')).toEqual({
      Id: 'id8',
      Name: 'Grace',
      Title: 'Admiral',
      CreatedDate: 'c',
      LastModifiedDate: 'c',
    });
    expect(store.ownerOf(7)).toBe(1);
    expect(store.ownerOf(9)).toBe(0);
    expect(store.rowVersions).toBe(4);
  });

  test('a job text is let go once no record points into it, and freed versions are used again', () => {
    const store = new RecordStore();
    const a = job(['Ada,1', 'Grace,2']);
    const b = job(['Ada,3']);
    store.insert(1, 1, a.place(0), CREATED);
    store.insert(2, 1, a.place(1), CREATED);
    store.update(1, 'id1', b.place(0), MODIFIED);
    expect(store.jobTexts).toBe(2);
    store.remove(1);
    expect(store.jobTexts).toBe(1);
    expect(store.rowVersions).toBe(1);
    // The versions slot 1 had are reused; slot 2 still reads its own row.
    const c = job(['Linus,4', 'Ken,5']);
    store.insert(3, 2, c.place(0), CREATED);
    store.insert(4, 2, c.place(1), CREATED);
    expect(store.read(2, 'id2')).toMatchObject({ Name: 'Grace', Title: '2' });
    expect(store.read(3, 'id3')).toMatchObject({ Name: 'Linus', Title: '4' });
    expect(store.read(4, 'id4')).toMatchObject({ Name: 'Ken', Title: '5' });
    expect(store.rowVersions).toBe(3);
    store.clear();
    expect([store.jobTexts, store.rowVersions, store.ownerOf(2)]).toEqual([0, 0, 0]);
  });

  test('more than 8 stacked updates turn the record into a plain object and free its versions', () => {
    const store = new RecordStore();
    const lines = Array.from({ length: 10 }, (_, i) => `Ada,v${i}`);
    const a = job(lines);
    store.insert(1, 1, a.place(0), CREATED);
    for (let i = 1; i < 9; i++) store.update(1, 'id1', a.place(i), MODIFIED);
    expect(store.rowVersions).toBe(9);
    store.update(1, 'id1', a.place(9), MODIFIED);
    expect(store.rowVersions).toBe(0);
    expect(store.jobTexts).toBe(0);
    expect(store.read(1, 'id1')).toEqual({
      Id: 'id1',
      Name: 'Ada',
      Title: 'v9',
      CreatedDate: 'c',
      LastModifiedDate: 'm',
    });
    // An update of the plain record stacks on it.
    const b = job(['Ada,again']);
    store.update(1, 'id1', b.place(0), MODIFIED);
    expect(store.read(1, 'id1')).toMatchObject({ Title: 'again', CreatedDate: 'c' });
    expect([store.jobTexts, store.rowVersions]).toEqual([1, 1]);
  });

  test('plain records are kept as they are and can be replaced and removed', () => {
    const store = new RecordStore();
    const record = { Id: 'id5', Name: 'Plain' };
    store.putPlain(5000, 3, record);
    expect(store.read(5000, 'id5')).toBe(record);
    expect(store.ownerOf(5000)).toBe(3);
    store.remove(5000);
    expect(store.ownerOf(5000)).toBe(0);
  });
});
