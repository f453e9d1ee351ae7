import { PageHeader } from "../../ui/page-header";
import { BackupHealthPanel } from "../backups/backup-health-panel";
import { FlagsPanel } from "./flags-panel";
import { HealthPanel } from "./health-panel";

export function SystemPage() {
  return (
    <>
      <PageHeader title="System" description="Health of the platform and the switches that control it." />
      <HealthPanel />
      <BackupHealthPanel />
      <FlagsPanel />
    </>
  );
}
