// The Security area (admins): signing keys, sessions, webhook secrets, provider keys, the database password.
import { PageHeader } from "../../ui/page-header";
import { DbPasswordPanel } from "./db-password-panel";
import { KeysPanel } from "./keys-panel";
import { ProvidersPanel } from "./providers-panel";
import { SecretsPanel } from "./secrets-panel";
import { SessionsPanel } from "./sessions-panel";

export function SecurityPage() {
  return (
    <>
      <PageHeader
        title="Security"
        description="Signing keys, staff sessions, webhook secrets, payment provider keys and the database password. Every action here is audited with your reason."
      />
      <KeysPanel />
      <SessionsPanel />
      <SecretsPanel />
      <ProvidersPanel />
      <DbPasswordPanel />
    </>
  );
}
