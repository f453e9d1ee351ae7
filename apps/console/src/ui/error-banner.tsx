import { errorDetails, errorMessage } from "../lib/errors";
import { Button } from "./button";

export function ErrorBanner({
  error,
  title,
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="banner banner-fail" role="alert">
      <span className="banner-glyph" aria-hidden="true">
        ✕
      </span>
      <div className="banner-body">
        {title ? <strong>{title}</strong> : null}
        <p>{errorMessage(error)}</p>
        <ErrorDetails lines={errorDetails(error)} />
      </div>
      {onRetry ? (
        <Button size="sm" onClick={onRetry}>
          Try again
        </Button>
      ) : null}
    </div>
  );
}

function ErrorDetails({ lines }: { lines: string[] }) {
  if (lines.length === 0) return null;
  return (
    <details>
      <summary>Details ({lines.length})</summary>
      <ul>
        {lines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
    </details>
  );
}
