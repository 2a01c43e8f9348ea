/**
 * Model versions of a run (newest first) with download links for weights, ONNX and the
 * version's model card (Markdown and JSON).
 */
import { bytes, dateTime } from './format.js';
import type { CheckpointRecord } from './types.js';

/** Download URL of a model version in a format. */
export function modelUrl(runId: string, version: number, format: 'weights' | 'onnx'): string {
  return `/api/runs/${encodeURIComponent(runId)}/model?version=${String(version)}&format=${format}`;
}

/** Download URL of a model version's model card. */
export function modelCardUrl(runId: string, version: number, format: 'md' | 'json'): string {
  return `/api/runs/${encodeURIComponent(runId)}/model-card?version=${String(version)}&format=${format}`;
}

/** The versions list (at most `limit`, newest first). */
export function ModelVersions({
  runId,
  checkpoints,
  limit = 20,
}: {
  runId: string;
  checkpoints: readonly CheckpointRecord[];
  limit?: number;
}) {
  if (checkpoints.length === 0) return <p class="muted">No model versions yet.</p>;
  const rows = [...checkpoints].sort((a, b) => b.version - a.version).slice(0, limit);
  return (
    <div class="table-wrap">
      <table class="stack" data-testid="models-table">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Round</th>
            <th scope="col">Size</th>
            <th scope="col">Saved</th>
            <th scope="col">Download</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.version}>
              <th scope="row">v{c.version}</th>
              <td data-label="Round" class="num">
                {c.round}
              </td>
              <td data-label="Size" class="num">
                {bytes(c.byteSize)}
              </td>
              <td data-label="Saved">{dateTime(c.createdAt)}</td>
              <td data-label="Download" class="links">
                <a
                  href={modelUrl(runId, c.version, 'weights')}
                  download
                  data-testid={`weights-v${String(c.version)}`}
                >
                  weights
                </a>
                <a href={modelUrl(runId, c.version, 'onnx')} download>
                  ONNX
                </a>
                <a
                  href={modelCardUrl(runId, c.version, 'md')}
                  download
                  data-testid={`card-md-v${String(c.version)}`}
                >
                  model card
                </a>
                <a
                  href={modelCardUrl(runId, c.version, 'json')}
                  download
                  data-testid={`card-json-v${String(c.version)}`}
                >
                  card JSON
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
