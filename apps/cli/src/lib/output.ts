// Output for humans (tables, sentences) or machines (--json: one JSON document on stdout).
import Table from "cli-table3";

export type Cell = string | number | boolean | null | undefined;

export interface Output {
  readonly json: boolean;
  /** The command's result: JSON with --json, otherwise whatever `human` prints. */
  result<T>(value: T, human: (value: T) => void): void;
  line(text?: string): void;
  table(head: string[], rows: Cell[][]): void;
  /** Progress notes and warnings: stderr, so stdout stays parseable. */
  note(text: string): void;
  error(text: string): void;
}

export function createOutput({ json }: { json: boolean }): Output {
  const stdout = (text: string) => process.stdout.write(`${text}\n`);
  const stderr = (text: string) => process.stderr.write(`${text}\n`);
  return {
    json,
    result(value, human) {
      if (json) stdout(JSON.stringify(value, null, 2));
      else human(value);
    },
    line(text = "") {
      stdout(text);
    },
    table(head, rows) {
      const table = new Table({ head, style: { head: [], border: [] } });
      for (const row of rows)
        table.push(row.map((cell) => (cell === null || cell === undefined ? "—" : String(cell))));
      stdout(table.toString());
    },
    note: stderr,
    error: stderr,
  };
}
