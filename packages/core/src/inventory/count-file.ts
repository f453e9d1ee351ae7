// Reads physical-count input: our export (edited: `counted` filled in), a Shopify inventory
// export, headerless pasted "sku,count[,reason[,notes]]" lines, or rows given as JSON.
import { CsvError, parse } from "csv-parse/sync";
import { DomainError } from "../errors";
import { unguardCsvCell } from "./csv-guard";
import { MAX_COUNT_FILE_BYTES, MAX_COUNT_ROWS, type TCountRow } from "./inventory.schema";

export interface CountInputRow {
  line: number;
  sku: string | null;
  variantId: string | null;
  counted: string;
  expectedCurrent: string | null;
  reason: string | null;
  notes: string | null;
}

export interface CountInput {
  source: "EXPORT" | "SHOPIFY" | "ROWS";
  rows: CountInputRow[];
  /** Rows with no new value (Shopify leaves most rows so): not part of the count. */
  ignored: number;
}

const text = (v: string | number | null | undefined): string | null => {
  const s = v === undefined || v === null ? "" : String(v).trim();
  return s === "" ? null : s;
};

interface Layout {
  source: CountInput["source"];
  sku: number;
  variantId: number;
  counted: number;
  expected: number;
  reason: number;
  notes: number;
}

/** Finds which columns hold what, from the header; null when the header is not one we know. */
function layoutOf(header: string[]): Layout | null {
  const at = (...names: string[]) => header.findIndex((h) => names.includes(h.trim().toLowerCase()));
  const shopify = { new: at("on hand (new)"), current: at("on hand (current)") };
  if (at("handle") >= 0 && shopify.new >= 0) {
    return {
      source: "SHOPIFY",
      sku: at("sku"),
      variantId: -1,
      counted: shopify.new,
      expected: shopify.current,
      reason: -1,
      notes: -1,
    };
  }
  const counted = at("counted", "counted_quantity", "counted quantity");
  const sku = at("sku");
  const variantId = at("variant_id", "variant id", "variantid");
  if (counted >= 0 && (sku >= 0 || variantId >= 0)) {
    return {
      source: "EXPORT",
      sku,
      variantId,
      counted,
      expected: at("on_hand", "on hand"),
      reason: at("reason"),
      notes: at("notes"),
    };
  }
  return null;
}

const HEADERLESS: Layout = {
  source: "ROWS",
  sku: 0,
  variantId: -1,
  counted: 1,
  expected: -1,
  reason: 2,
  notes: 3,
};

/**
 * The refusal for a count file over MAX_COUNT_FILE_BYTES, wherever it is noticed (an upload cut
 * off mid-stream only knows it passed the limit, not the full size).
 */
export function countFileTooLarge(bytes?: number): DomainError {
  const limit = `the limit is ${MAX_COUNT_FILE_BYTES / 1024 / 1024} MB`;
  const size =
    bytes === undefined
      ? `The file is larger than ${MAX_COUNT_FILE_BYTES / 1024 / 1024} MB`
      : `The file is ${(bytes / 1024 / 1024).toFixed(1)} MB; ${limit}`;
  return new DomainError("PAYLOAD_TOO_LARGE", `${size}. Split the count into smaller files.`);
}

/** Parses count CSV text. Refuses files over MAX_COUNT_FILE_BYTES before reading them. */
export function parseCountCsv(csv: string): CountInput {
  const bytes = Buffer.byteLength(csv, "utf8");
  if (bytes > MAX_COUNT_FILE_BYTES) throw countFileTooLarge(bytes);
  let records: string[][];
  try {
    records = parse(csv, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      max_record_size: 64 * 1024,
    });
  } catch (cause) {
    if (cause instanceof CsvError)
      throw new DomainError("BAD_REQUEST", `The file is not valid CSV: ${cause.message}`, {
        cause,
        ...(typeof cause.lines === "number" ? { details: { line: cause.lines } } : {}),
      });
    throw cause;
  }
  const [header, ...body] = records;
  if (!header)
    throw new DomainError("BAD_REQUEST", "The file is empty: expected a header and at least one counted row");
  let layout = layoutOf(header);
  let firstLine = 2;
  if (!layout) {
    if (/^-?\d+(\.\d+)?$/.test(header[1]?.trim() ?? "")) {
      layout = HEADERLESS;
      body.unshift(header);
      firstLine = 1;
    } else {
      throw new DomainError(
        "BAD_REQUEST",
        `Unrecognised columns (${header.slice(0, 6).join(", ")}): use our export with the "counted" column filled, a Shopify inventory export (Handle, SKU, On hand (current), On hand (new)), or lines of "sku,count"`,
      );
    }
  }
  if (body.length > MAX_COUNT_ROWS)
    throw new DomainError(
      "PAYLOAD_TOO_LARGE",
      `The file has ${body.length} rows; the limit is ${MAX_COUNT_ROWS}. Split it.`,
    );
  const cell = (r: string[], i: number) => (i >= 0 ? text(unguardCsvCell(r[i] ?? "")) : null);
  let ignored = 0;
  const rows: CountInputRow[] = [];
  body.forEach((r, i) => {
    const counted = cell(r, layout.counted);
    if (counted === null) {
      ignored += 1;
      return;
    }
    rows.push({
      line: i + firstLine,
      sku: cell(r, layout.sku),
      variantId: cell(r, layout.variantId),
      counted,
      expectedCurrent: cell(r, layout.expected),
      reason: cell(r, layout.reason),
      notes: cell(r, layout.notes),
    });
  });
  return requireRows({ source: layout.source, rows, ignored });
}

export function countInputFromRows(rows: TCountRow[]): CountInput {
  return requireRows({
    source: "ROWS",
    ignored: 0,
    rows: rows.map((r, i) => ({
      line: i + 1,
      sku: text(r.sku),
      variantId: text(r.variantId),
      counted: String(r.countedQuantity).trim(),
      expectedCurrent: text(r.expectedCurrent),
      reason: text(r.reason),
      notes: text(r.notes),
    })),
  });
}

function requireRows(input: CountInput): CountInput {
  if (input.rows.length === 0) {
    const hint = input.ignored > 0 ? ` (${input.ignored} rows had no new count)` : "";
    throw new DomainError(
      "BAD_REQUEST",
      `Nothing to count: the input has no rows with a counted quantity${hint}`,
    );
  }
  return input;
}
