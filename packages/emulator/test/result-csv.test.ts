import { csvRows } from '../src/csv-rows';
import { quotedColumns } from '../src/result-csv';

/** The one row of a CSV line, and the line as its text (what BulkIngest gives quotedColumns). */
function parsed(line: string, delimiter: string): [string[], string] {
  const row = csvRows(line, delimiter).next();
  if (row.done) throw new Error(`no row in ${line}`);
  return [row.value, line];
}

describe('quotedColumns', () => {
  test.each([
    [',', 'a,b,c', 3, '"a","b","c"'],
    [',', 'Fírst,,last', 3, '"Fírst","","last"'],
    ['\t', 'a\tb c\t', 3, '"a"\t"b c"\t""'],
    [';', 'x;y', 2, '"x";"y"'],
  ])('a row without quotes (delimiter %j) is quoted value by value: %j', (delimiter, line, count, expected) => {
    const [row, text] = parsed(line, delimiter);
    expect(quotedColumns(row, count, delimiter, text)).toBe(expected);
    expect(quotedColumns(row, count, delimiter)).toBe(expected);
  });

  test('quoted values as uploaded are unquoted and quoted again, inner quotes doubled', () => {
    const [row, text] = parsed('"a,b","say ""hi""",plain', ',');
    expect(quotedColumns(row, 3, ',', text)).toBe('"a,b","say ""hi""","plain"');
  });

  test('a row shorter than the header gets empty values for the columns it lacks', () => {
    const [row, text] = parsed('a,b', ',');
    expect(quotedColumns(row, 4, ',', text)).toBe('"a","b","",""');
  });

  test("a value that holds another delimiter than the job's is one value", () => {
    const [row, text] = parsed('a,b\tc', '\t');
    expect(quotedColumns(row, 2, '\t', text)).toBe('"a,b"\t"c"');
  });
});
