/**
 * The create-run form. It sends the run through `POST /api/runs`, the same validation
 * every API user gets, and shows the API's error and each issue's path when it is refused.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, describeError } from './api.js';
import {
  buildCreateRunBody,
  DEFAULT_FIELDS,
  FormError,
  MODEL_PRESETS,
  STRATEGIES,
  UPLOADED_MODEL,
  type RunFormFields,
} from './run-form-model.js';
import { OnnxModelPicker } from './onnx-model-picker.js';
import type { ApiRun } from './types.js';

type TextField = Exclude<keyof RunFormFields, 'start' | 'localBn'>;

interface FieldProps {
  readonly id: TextField;
  readonly label: string;
  readonly fields: RunFormFields;
  readonly set: (id: TextField, v: string) => void;
  readonly hint?: string;
  readonly type?: 'text' | 'number';
  readonly children?: ComponentChildren;
}

function Field(p: FieldProps) {
  const hintId = p.hint === undefined ? undefined : `${p.id}-hint`;
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.children ?? (
        <input
          id={p.id}
          name={p.id}
          type="text"
          inputMode={p.type === 'number' ? 'decimal' : undefined}
          value={p.fields[p.id]}
          aria-describedby={hintId}
          onInput={(e) => {
            p.set(p.id, e.currentTarget.value);
          }}
        />
      )}
      {p.hint === undefined ? null : (
        <small id={hintId} class="muted">
          {p.hint}
        </small>
      )}
    </div>
  );
}

function Select({
  id,
  fields,
  set,
  options,
}: {
  id: TextField;
  fields: RunFormFields;
  set: FieldProps['set'];
  options: readonly (string | { value: string; label: string })[];
}) {
  return (
    <select
      id={id}
      name={id}
      value={fields[id]}
      onChange={(e) => {
        set(id, e.currentTarget.value);
      }}
    >
      {options.map((o) => {
        const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
        return (
          <option key={value} value={value}>
            {label}
          </option>
        );
      })}
    </select>
  );
}

/** The page at `#/new`. */
export function CreateRunForm() {
  const [fields, setFields] = useState<RunFormFields>(DEFAULT_FIELDS);
  const [error, setError] = useState<{ message: string; issues: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (id: TextField, v: string): void => {
    setFields((f) => ({ ...f, [id]: v }));
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    setError(null);
    let body;
    try {
      body = buildCreateRunBody(fields);
    } catch (err) {
      setError({
        message: err instanceof FormError ? `${err.field}: ${err.message}` : describeError(err),
        issues: [],
      });
      return;
    }
    setBusy(true);
    api<ApiRun>('POST', '/api/runs', body)
      .then((run) => {
        location.hash = `#/runs/${encodeURIComponent(run.id)}`;
      })
      .catch((err: unknown) => {
        setError({
          message:
            err instanceof ApiError ? `${err.code}: ${err.message.split('\n')[0] ?? ''}` : describeError(err),
          issues: err instanceof ApiError ? err.issues() : [],
        });
        setBusy(false);
      });
  };
  const strategyHint = STRATEGIES.find((s) => s.name === fields.strategy)?.params ?? '';
  const common = { fields, set };
  return (
    <section aria-labelledby="new-title">
      <h1 id="new-title">New run</h1>
      <form class="card run-form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>Run</legend>
          <Field id="name" label="Name" hint="Optional; defaults to the creation time." {...common} />
          <Field id="model" label="Model" {...common}>
            <Select
              id="model"
              options={[...MODEL_PRESETS, { value: UPLOADED_MODEL, label: 'uploaded ONNX model' }, 'custom']}
              {...common}
            />
          </Field>
          {fields.model === UPLOADED_MODEL ? (
            <OnnxModelPicker fields={fields} update={(patch) => setFields((f) => ({ ...f, ...patch }))} />
          ) : null}
          {fields.model === 'custom' ? (
            <Field id="customModel" label="Model spec (JSON)" {...common}>
              <textarea
                id="customModel"
                name="customModel"
                rows={6}
                value={fields.customModel}
                onInput={(e) => set('customModel', e.currentTarget.value)}
              />
            </Field>
          ) : null}
          <Field id="rounds" label="Rounds" type="number" {...common} />
          <Field
            id="evaluateEvery"
            label="Evaluate every N rounds"
            type="number"
            hint="Federated evaluation; 0 = never."
            {...common}
          />
          <Field id="deadlineSeconds" label="Round deadline (s)" type="number" {...common} />
        </fieldset>
        <fieldset>
          <legend>Strategy</legend>
          <Field id="strategy" label="Strategy" {...common}>
            <Select id="strategy" options={STRATEGIES.map((s) => s.name)} {...common} />
          </Field>
          <Field id="fraction" label="Fraction of clients per round" type="number" {...common} />
          <Field id="minClients" label="Minimum clients" type="number" {...common} />
          <Field
            id="strategyParams"
            label="Strategy parameters (JSON)"
            hint={`Adds: ${strategyHint}`}
            {...common}
          >
            <textarea
              id="strategyParams"
              name="strategyParams"
              rows={3}
              value={fields.strategyParams}
              aria-describedby="strategyParams-hint"
              onInput={(e) => set('strategyParams', e.currentTarget.value)}
            />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Local training</legend>
          <Field id="epochs" label="Epochs" type="number" {...common} />
          <Field id="batchSize" label="Batch size" type="number" {...common} />
          <Field id="learningRate" label="Learning rate" type="number" {...common} />
        </fieldset>
        <label class="check">
          <input
            type="checkbox"
            checked={fields.start}
            onChange={(e) => setFields((f) => ({ ...f, start: e.currentTarget.checked }))}
          />
          Start right away
        </label>
        {error === null ? null : (
          <div class="error" role="alert" data-testid="form-error">
            <p>{error.message}</p>
            {error.issues.length > 0 ? (
              <ul>
                {error.issues.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            ) : null}
          </div>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create run'}
          </button>
          <a class="button secondary" href="#/">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
