// CSV formula injection (OWASP): a cell starting with =, +, -, @, tab or CR runs as a formula in
// a spreadsheet. Exported text cells get a leading single quote; importing strips it back.
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as a spreadsheet shows it literally: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)`. */
export function guardCsvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The value guardCsvCell was given: the quote comes off only where the guard put one. */
export function unguardCsvCell(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
