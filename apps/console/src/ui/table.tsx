// A plain, readable table: header row, one row per item, horizontal scroll on narrow screens.
export interface Column<T> {
  header: string;
  cell: (row: T) => React.ReactNode;
  className?: string;
}

export function Table<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowClassName,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  rowClassName?: (row: T) => string | undefined;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{caption}</caption>
        <TableHead columns={columns} />
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              <TableCells columns={columns} row={row} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The header row of a table of these columns (`rowIndex` for a table showing part of its rows). */
export function TableHead<T>({ columns, rowIndex }: { columns: Column<T>[]; rowIndex?: number }) {
  return (
    <thead>
      <tr aria-rowindex={rowIndex}>
        {columns.map((c) => (
          <th key={c.header} scope="col" className={c.className}>
            {c.header}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** One row's cells, labelled for the narrow-screen layout. */
export function TableCells<T>({ columns, row }: { columns: Column<T>[]; row: T }) {
  return columns.map((c) => (
    <td key={c.header} className={c.className} data-label={c.header}>
      {c.cell(row)}
    </td>
  ));
}
