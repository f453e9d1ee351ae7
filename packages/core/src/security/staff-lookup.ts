// Staff users by email, for surfaces that name people by address (the CLI).
import type { Db } from "../db/database";
import { DomainError } from "../errors";
import { findUserByEmail } from "./security.queries";

export async function staffUserIdByEmail(db: Db, email: string): Promise<string> {
  const user = await findUserByEmail(db, email.trim().toLowerCase());
  if (!user || user.role === "CUSTOMER")
    throw new DomainError("NOT_FOUND", `No staff user with email ${email}`);
  return user.id;
}
