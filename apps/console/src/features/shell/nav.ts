// What the side navigation offers; routes use the same minimum roles to guard pages.
import { roleAtLeast, type TStaffRole } from "@radha/core/security/roles";

export interface NavItem {
  path: string;
  label: string;
  minRole: TStaffRole;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { path: "/system", label: "System", minRole: "VIEWER" },
  { path: "/inventory", label: "Inventory", minRole: "VIEWER" },
  { path: "/inventory/changes", label: "Stock changes", minRole: "VIEWER" },
  { path: "/inventory/low-stock", label: "Low stock", minRole: "VIEWER" },
  { path: "/inventory/batches", label: "Reset batches", minRole: "VIEWER" },
  { path: "/inventory/reset", label: "Stock reset", minRole: "OPERATOR" },
  { path: "/webhooks", label: "Webhooks", minRole: "VIEWER" },
  { path: "/orders", label: "Orders", minRole: "VIEWER" },
  { path: "/orders/review", label: "Payment review", minRole: "VIEWER" },
  { path: "/audit", label: "Audit", minRole: "OPERATOR" },
  { path: "/users", label: "Users", minRole: "ADMIN" },
  { path: "/tokens", label: "Service tokens", minRole: "ADMIN" },
  { path: "/security", label: "Security", minRole: "ADMIN" },
  { path: "/monitoring", label: "Monitoring", minRole: "VIEWER" },
  { path: "/alerts", label: "Alerts", minRole: "VIEWER" },
  { path: "/incidents", label: "Incidents", minRole: "VIEWER" },
  { path: "/database", label: "Database", minRole: "VIEWER" },
  { path: "/backups", label: "Backups", minRole: "VIEWER" },
];

export function navItemsFor(role: string): NavItem[] {
  return NAV_ITEMS.filter((item) => roleAtLeast(role, item.minRole));
}

export function minRoleFor(path: string): TStaffRole {
  const item = NAV_ITEMS.find((i) => i.path === path);
  if (!item) throw new Error(`No nav item for ${path}`);
  return item.minRole;
}

/** Where to go after sign-in: the page the user asked for, if it is one of ours. */
export function safeNextPath(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/login")) return "/system";
  return next;
}
