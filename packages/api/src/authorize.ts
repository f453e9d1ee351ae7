// Who may call a staff-only operation: one rule for tRPC procedures and the raw HTTP routes.
import { DomainError } from "@radha/core/errors";
import type { Principal } from "@radha/core/security";
import { roleAtLeast, type TStaffRole } from "@radha/core/security/schema";

/**
 * The caller behind `bearer` if they hold at least `minRole`; otherwise UNAUTHENTICATED (no or a
 * bad token) or FORBIDDEN (too small a role), with the sentence the client shows.
 */
export async function requireStaff(
  bearer: string | null,
  authenticate: (bearer: string) => Promise<Principal>,
  minRole: TStaffRole,
): Promise<Principal> {
  if (!bearer) throw new DomainError("UNAUTHENTICATED", "Sign in first: send Authorization: Bearer <token>");
  const principal = await authenticate(bearer);
  if (!roleAtLeast(principal.role, minRole))
    throw new DomainError("FORBIDDEN", `This needs the ${minRole} role or higher; you are ${principal.role}`);
  return principal;
}
