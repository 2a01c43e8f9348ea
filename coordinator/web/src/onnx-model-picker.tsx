/**
 * The new-run form's part for uploaded ONNX models: a list of the models on the
 * coordinator (`GET /api/models`), a file input that uploads one (`POST /api/models`; the
 * API's error, e.g. `UNSUPPORTED_OP` with the nodes, is shown as it is) and selects it, and
 * the run's options for it: initializers to freeze and FedBN when the model has BatchNorm.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, uploadModel } from './api.js';
import type { RunFormFields } from './run-form-model.js';
import type { ModelEntry } from './types.js';

interface Props {
  readonly fields: RunFormFields;
  readonly update: (patch: Partial<RunFormFields>) => void;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** One line per model: name, short hash, size and parameter count. */
export function modelLabel(m: ModelEntry): string {
  const kb = (m.size / 1024).toFixed(1);
  return `${m.name} — ${m.hash.slice(0, 19)}… (${kb} KiB, ${count(m.summary.trainableParameters)} parameters)`;
}

/** Picker and upload for `model: { onnx }`. */
export function OnnxModelPicker({ fields, update }: Props) {
  const [models, setModels] = useState<readonly ModelEntry[] | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const load = (select?: string): Promise<void> =>
    api<{ models: ModelEntry[] }>('GET', '/api/models').then(
      (r) => {
        setModels(r.models);
        const pick = select ?? (fields.onnxModel === '' ? r.models[r.models.length - 1]?.hash : undefined);
        if (pick !== undefined) update({ onnxModel: pick });
      },
      (err: unknown) => {
        setMessage({ error: true, text: describeError(err) });
      },
    );
  useEffect(() => {
    void load();
  }, []);
  const onFile = (input: HTMLInputElement): void => {
    const file = input.files?.[0];
    if (file === undefined) return;
    setBusy(true);
    setMessage(null);
    uploadModel<ModelEntry>(file, file.name.replace(/\.onnx$/i, ''))
      .then(async (m) => {
        setMessage({ error: false, text: `Uploaded ${m.name} (${m.hash.slice(0, 19)}…)` });
        await load(m.hash);
      })
      .catch((err: unknown) => {
        setMessage({ error: true, text: describeError(err) });
      })
      .finally(() => {
        setBusy(false);
        input.value = '';
      });
  };
  const selected = models?.find((m) => m.hash === fields.onnxModel);
  return (
    <div class="onnx-picker" data-testid="onnx-picker">
      <div class="field">
        <label for="onnxModel">Uploaded model</label>
        <select
          id="onnxModel"
          name="onnxModel"
          value={fields.onnxModel}
          onChange={(e) => update({ onnxModel: e.currentTarget.value })}
        >
          {models?.length === 0 || models === null ? <option value="">(none uploaded yet)</option> : null}
          {(models ?? []).map((m) => (
            <option key={m.hash} value={m.hash}>
              {modelLabel(m)}
            </option>
          ))}
        </select>
        {selected === undefined ? null : (
          <small class="muted" data-testid="onnx-summary">
            input [{selected.summary.inputShape.join(', ')}] → [{selected.summary.outputShape.join(', ')}];
            ops{' '}
            {Object.entries(selected.summary.ops)
              .map(([op, n]) => `${op}×${n}`)
              .join(', ')}
          </small>
        )}
      </div>
      <div class="field">
        <label for="onnxUpload">Upload an ONNX model</label>
        <input
          id="onnxUpload"
          type="file"
          accept=".onnx,application/octet-stream"
          disabled={busy}
          onChange={(e) => onFile(e.currentTarget)}
        />
        <small class="muted">An inference model, e.g. from torch.onnx.export (see docs/import.md).</small>
      </div>
      {message === null ? null : (
        <p
          class={message.error ? 'error' : 'muted'}
          role={message.error ? 'alert' : 'status'}
          data-testid="onnx-message"
        >
          {message.text}
        </p>
      )}
      <div class="field">
        <label for="freeze">Freeze (comma-separated names or globs)</label>
        <input
          id="freeze"
          name="freeze"
          type="text"
          value={fields.freeze}
          placeholder="conv1.*"
          onInput={(e) => update({ freeze: e.currentTarget.value })}
        />
      </div>
      {selected?.summary.batchNorm === true ? (
        <label class="check">
          <input
            id="localBn"
            type="checkbox"
            checked={fields.localBn}
            onChange={(e) => update({ localBn: e.currentTarget.checked })}
          />
          FedBN: keep BatchNorm tensors on each client
        </label>
      ) : null}
    </div>
  );
}
