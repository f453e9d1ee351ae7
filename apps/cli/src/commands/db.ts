// ops db …: schema migrations and demo data on the server's database.
import type { Command } from "commander";
import { migrate } from "@radha/core/db";
import { seedDemoData, DEMO_PASSWORD, DEMO_USERS } from "@radha/dev-db";
import { loadEnv } from "../env";
import { contextFor } from "../lib/context";
import { registerDbPasswordCommands } from "./db-password";
import { examples } from "../lib/options";

export function registerDbCommands(program: Command): void {
  const db = program
    .command("db")
    .description("Database schema and demo data")
    .addHelpText("after", examples("ops db migrate", "ops db seed --json"));

  db.command("migrate")
    .description("Apply pending migrations (safe to run at any time)")
    .addHelpText("after", examples("ops db migrate", "DATABASE_URL=postgres://… ops db migrate --json"))
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      const { applied } = await withDb((conn, url) => migrate(conn, url), { owner: true });
      out.result({ applied }, ({ applied }) => {
        if (applied.length === 0) out.line("Database schema is up to date; nothing to apply.");
        else
          out.line(
            `Applied ${applied.length} migration${applied.length === 1 ? "" : "s"}:\n${applied.map((m) => `  ${m}`).join("\n")}`,
          );
      });
    });

  db.command("seed")
    .description("Add demo products, orders and one user of every role (skips rows that exist)")
    .addHelpText("after", examples("ops db seed", "ops db seed --json"))
    .action(async (_opts: unknown, command: Command) => {
      const { out, withDb } = contextFor(command);
      // Demo staff with the published password only on the embedded database, never DATABASE_URL's.
      const demoStaff = !loadEnv().DATABASE_URL && !loadEnv().DATABASE_URL_FILE;
      const counts = await withDb((conn) => seedDemoData(conn, { demoStaff }), { owner: true });
      out.result(counts, (c) => {
        const added = c.products + c.variants + c.orders + c.users;
        if (added === 0) {
          out.line("Demo data is already present; nothing added.");
          return;
        }
        out.table(["added", "count"], Object.entries(c));
        const staff = DEMO_USERS.filter((u) => u.role !== "CUSTOMER").map((u) => u.email);
        if (c.users > 0) out.line(`Demo console sign-in: ${staff.join(", ")} / ${DEMO_PASSWORD}`);
      });
    });

  registerDbPasswordCommands(db);
}
