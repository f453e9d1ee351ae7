import { describe, expect, it } from "vitest";
import { navItemsFor, safeNextPath } from "./nav";

const INVENTORY_READS = ["Inventory", "Stock changes", "Low stock", "Reset batches"];
const OPS = ["Monitoring", "Alerts", "Incidents"];
const DATABASE_PAGES = ["Database", "Backups"];
const labels = (role: string) => navItemsFor(role).map((i) => i.label);

describe("navItemsFor", () => {
  it("shows viewers the system and inventory read pages and webhooks", () => {
    expect(labels("VIEWER")).toEqual([
      "System",
      ...INVENTORY_READS,
      "Webhooks",
      "Orders",
      "Payment review",
      ...OPS,
      ...DATABASE_PAGES,
    ]);
  });
  it("adds audit for operators", () => {
    expect(labels("OPERATOR")).toEqual([
      "System",
      ...INVENTORY_READS,
      "Stock reset",
      "Webhooks",
      "Orders",
      "Payment review",
      "Audit",
      ...OPS,
      ...DATABASE_PAGES,
    ]);
  });
  it("shows admins everything", () => {
    expect(labels("ADMIN")).toEqual([
      "System",
      ...INVENTORY_READS,
      "Stock reset",
      "Webhooks",
      "Orders",
      "Payment review",
      "Audit",
      "Users",
      "Service tokens",
      "Security",
      ...OPS,
      ...DATABASE_PAGES,
    ]);
  });
  it("shows nothing to unknown roles", () => {
    expect(labels("CUSTOMER")).toEqual([]);
  });
});

describe("safeNextPath", () => {
  it("keeps in-app paths with their query", () => {
    expect(safeNextPath("/audit?x=1")).toBe("/audit?x=1");
  });
  it("refuses other origins and the login page", () => {
    expect(safeNextPath("//evil.example")).toBe("/system");
    expect(safeNextPath("https://evil.example")).toBe("/system");
    expect(safeNextPath("/login")).toBe("/system");
    expect(safeNextPath(null)).toBe("/system");
  });
});
