// Keyset SQL for newest-first lists ordered by (a timestamptz column, a unique id): the page
// after a cursor is the rows below its (time, id), and each row carries its own cursor time.
import { sql, type SelectQueryBuilder, type SqlBool } from "kysely";

export interface NewestFirstPage {
  limit: number;
  /** The (time, id) of the last row of the page before, from its cursor; null for the first page. */
  before: readonly [string, string] | null;
}

/** A timestamptz column as UTC text to the microsecond: a keyset cursor's time (a Date rounds to ms). */
export function keyTimeText(column: string) {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * Orders `q` newest first by `time` then `id`, starts below `page.before` and adds `keyTime`:
 * `time` as UTC text to the microsecond. The cursor must carry that, not the row's Date, which
 * rounds to milliseconds and would skip rows sharing the millisecond.
 */
export function newestFirst<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  columns: { time: string; id: string },
  page: NewestFirstPage,
): SelectQueryBuilder<DB, TB, O & { keyTime: string }> {
  const time = sql.ref(columns.time);
  const id = sql.ref(columns.id);
  // Kysely cannot resolve a raw selection's type against a generic row: state it.
  let paged = q.select(keyTimeText(columns.time).as("keyTime")).$castTo<O & { keyTime: string }>();
  if (page.before)
    paged = paged.where(sql<SqlBool>`(${time}, ${id}) < (${page.before[0]}::timestamptz, ${page.before[1]})`);
  return paged.orderBy(time, "desc").orderBy(id, "desc").limit(page.limit);
}
