// Browser-safe roles without zod: the console's first paint (shell, nav, route guards) needs
// roleAtLeast, not the validators. security.schema builds its zod enums from these lists.

export const STAFF_ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const;
export type TStaffRole = (typeof STAFF_ROLES)[number];

/** Every role a user row can hold: the staff roles, and storefront customers (never console users). */
export const USER_ROLES = [...STAFF_ROLES, "CUSTOMER"] as const;
export type TUserRole = (typeof USER_ROLES)[number];

const RANK: Record<TStaffRole, number> = { VIEWER: 1, OPERATOR: 2, ADMIN: 3 };

/** True when `role` may use something that needs at least `minimum`. */
export function roleAtLeast(role: string, minimum: TStaffRole): boolean {
  return role in RANK && RANK[role as TStaffRole] >= RANK[minimum];
}
