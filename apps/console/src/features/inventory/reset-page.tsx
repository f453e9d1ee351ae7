// Physical-count reset wizard: upload or paste → preview (problems highlighted) → confirm → result.
// The file (or the pasted rows, as a file) is uploaded once; preview and apply name the upload.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import {
  MAX_COUNT_FILE_BYTES,
  type TCountUpload,
  type TResetPreview,
  type TResetResult,
  type TResetRow,
} from "@radha/core/inventory/schema";
import { useTRPC, useTRPCClient } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { ErrorBanner } from "../../ui/error-banner";
import { Field } from "../../ui/field";
import { PageHeader } from "../../ui/page-header";
import { StatusChip } from "../../ui/status-chip";
import { Table, type Column } from "../../ui/table";
import { uploadCountFile } from "./files";
import { Delta } from "./shared";

const ROW_COLUMNS: Column<TResetRow>[] = [
  { header: "Line", cell: (r) => r.line, className: "num" },
  { header: "SKU", cell: (r) => <span className="mono">{r.sku ?? r.variantId ?? "—"}</span> },
  { header: "Product", cell: (r) => r.product ?? <span className="muted">—</span> },
  { header: "On hand", cell: (r) => r.previous ?? "—", className: "num" },
  { header: "Counted", cell: (r) => r.counted ?? "—", className: "num" },
  { header: "Delta", cell: (r) => <Delta value={r.delta} /> },
  {
    header: "Problems",
    cell: (r) =>
      r.problems.length ? (
        r.problems.map((p) => (
          <StatusChip key={p.code} tone="bad">
            {p.message}
          </StatusChip>
        ))
      ) : (
        <StatusChip tone="ok">ok</StatusChip>
      ),
  },
];

const newBatchKey = () => `console-${crypto.randomUUID()}`;

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function ResetPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [file, setFile] = useState<File | null>(null);
  // Remounts the file input, which is the only way to clear it.
  const [fileInputKey, setFileInputKey] = useState(0);
  const [pasted, setPasted] = useState("");
  const [fileError, setFileError] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [reference, setReference] = useState("");
  const [skipProblems, setSkipProblems] = useState(false);
  // The stored upload of the current file or paste: previews and the apply name it by id.
  const [upload, setUpload] = useState<TCountUpload | null>(null);
  const [uploaded, setUploaded] = useState<number | null>(null);
  // One key per previewed input: a double-click or a retry of the same apply happens once.
  const [batchKey, setBatchKey] = useState(newBatchKey);
  const [preview, setPreview] = useState<TResetPreview | null>(null);
  const [result, setResult] = useState<TResetResult | null>(null);
  const options = {
    reason,
    reference: reference || undefined,
    onProblem: skipProblems ? ("SKIP" as const) : ("REJECT" as const),
  };
  const previewing = useMutation({
    mutationFn: async () => {
      let current = upload;
      if (!current) {
        setUploaded(0);
        const source = file ?? new File([pasted], "pasted-rows.csv", { type: "text/csv" });
        current = await uploadCountFile(source, setUploaded).finally(() => {
          setUploaded(null);
        });
        setUpload(current);
      }
      return client.inventory.resetPreview.mutate({ uploadId: current.uploadId, ...options });
    },
    onSuccess: setPreview,
  });
  const applying = useMutation(trpc.inventory.resetApply.mutationOptions({ onSuccess: setResult }));

  function changeSource(next: { file: File | null; pasted: string }) {
    setFile(next.file);
    setPasted(next.pasted);
    setUpload(null);
    setPreview(null);
    setBatchKey(newBatchKey());
  }

  function chooseFile(chosen: File | undefined) {
    setFileError(null);
    if (!chosen) {
      changeSource({ file: null, pasted });
      return;
    }
    if (chosen.size > MAX_COUNT_FILE_BYTES) {
      setFileInputKey((k) => k + 1);
      setFileError(
        `${chosen.name} is ${(chosen.size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_COUNT_FILE_BYTES / 1024 / 1024} MB. Split the count.`,
      );
      return;
    }
    changeSource({ file: chosen, pasted: "" });
  }

  function restart() {
    setFileInputKey((k) => k + 1);
    changeSource({ file: null, pasted: "" });
    setResult(null);
  }

  if (result) {
    return (
      <>
        <PageHeader title="Stock reset" />
        <section className="banner banner-ok" role="status">
          <div className="banner-body">
            <strong>{result.alreadyApplied ? "This batch was already applied" : "Count applied"}</strong>
            <p data-testid="reset-result">
              Batch {result.batchId}: {result.changedCount} variants changed, {result.rowCount} rows counted
              {result.skippedCount ? `, ${result.skippedCount} skipped` : ""}.
            </p>
          </div>
          <Button size="sm" onClick={restart}>
            New count
          </Button>
        </section>
        <p>
          <a href="/inventory/changes">See what changed</a> ·{" "}
          <a href="/inventory/batches">Batch history (rollback)</a>
        </p>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Stock reset"
        description="Upload our export with the counted column filled in, a Shopify inventory export, or paste sku,count lines. Nothing changes until you confirm."
      />
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          previewing.mutate();
        }}
      >
        <Field
          label="Count file (CSV)"
          hint={
            file
              ? `${file.name}, ${formatSize(file.size)}: uploaded when you preview.`
              : `At most ${MAX_COUNT_FILE_BYTES / 1024 / 1024} MB.`
          }
          error={fileError ?? undefined}
        >
          {(p) => (
            <input
              {...p}
              key={fileInputKey}
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => {
                chooseFile(e.target.files?.[0]);
              }}
            />
          )}
        </Field>
        <Field
          label="…or paste rows"
          hint="With a header from our export or Shopify, or plain lines: SKU,count[,reason]"
        >
          {(p) => (
            <textarea
              {...p}
              rows={6}
              className="mono"
              value={pasted}
              placeholder={file ? `Using ${file.name}; typing here replaces it.` : undefined}
              onChange={(e) => {
                if (file) setFileInputKey((k) => k + 1);
                changeSource({ file: null, pasted: e.target.value });
              }}
            />
          )}
        </Field>
        <Field label="Reason" hint="Recorded on every ledger row, e.g. Q4 physical count">
          {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <Field label="Reference (optional)">
          {(p) => (
            <input
              {...p}
              value={reference}
              onChange={(e) => setReference(e.target.value)}
              placeholder="INV-2026-001"
            />
          )}
        </Field>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={skipProblems}
            onChange={(e) => {
              setSkipProblems(e.target.checked);
              setPreview(null);
            }}
          />{" "}
          Skip rows with problems (default: reject the whole batch)
        </label>
        {previewing.isError ? (
          <ErrorBanner title="Could not read the count" error={previewing.error} />
        ) : null}
        <div className="form-actions">
          {uploaded !== null ? (
            <span className="muted form-status" role="status">
              Uploading {Math.round(uploaded * 100)}%{" "}
              <progress max={1} value={uploaded} aria-label="Upload progress" />
            </span>
          ) : previewing.isPending ? (
            <span className="muted form-status" role="status">
              Reading the count…
            </span>
          ) : null}
          <Button
            type="submit"
            variant="primary"
            busy={previewing.isPending}
            disabled={!file && !pasted.trim()}
          >
            Preview
          </Button>
        </div>
      </form>
      {preview ? (
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          {upload ? (
            <p className="muted" data-testid="upload-summary">
              {upload.fileName}, {formatSize(upload.sizeBytes)}, sha256 {upload.sha256.slice(0, 12)}…
            </p>
          ) : null}
          <p data-testid="preview-summary">
            {plural(preview.rowCount, "row")}: {plural(preview.changedCount, "change")},{" "}
            {preview.unchangedCount} already match, {preview.problemCount} with problems
            {preview.ignoredCount ? `, ${preview.ignoredCount} ignored (no new value)` : ""}.
          </p>
          <Table
            caption="Preview of the count"
            columns={ROW_COLUMNS}
            rows={preview.rows.filter((r) => r.delta !== 0 || r.problems.length > 0)}
            rowKey={(r) => String(r.line)}
            rowClassName={(r) => (r.problems.length ? "row-problem" : undefined)}
          />
          {applying.isError ? <ErrorBanner title="Nothing was changed" error={applying.error} /> : null}
          <div className="form-actions">
            <Button onClick={() => setPreview(null)}>Back</Button>
            <Button
              variant="primary"
              disabled={!preview.canApply}
              busy={applying.isPending}
              onClick={() => {
                if (upload) applying.mutate({ uploadId: upload.uploadId, ...options, batchKey });
              }}
            >
              Apply {plural(preview.changedCount, "change")}
            </Button>
          </div>
          {!preview.canApply ? (
            <p className="muted">Fix the highlighted rows, or tick “Skip rows with problems”.</p>
          ) : null}
        </section>
      ) : null}
    </>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
