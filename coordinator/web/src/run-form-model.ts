/**
 * The create-run form's fields and how they become the `POST /api/runs` body. Numbers are
 * sent as typed (an empty or non-numeric field is sent as-is, so the API's validation
 * reports it with its path); the strategy's extra parameters are a JSON object.
 */

/** The form's fields, as strings from the inputs. */
export interface RunFormFields {
  name: string;
  model: string;
  customModel: string;
  /** `model === 'onnx'`: the uploaded model's `sha256:...` hash. */
  onnxModel: string;
  /** `model === 'onnx'`: initializer names or globs to freeze, comma-separated. */
  freeze: string;
  /** `model === 'onnx'`: FedBN (BatchNorm tensors stay on each client). */
  localBn: boolean;
  strategy: string;
  strategyParams: string;
  rounds: string;
  fraction: string;
  minClients: string;
  deadlineSeconds: string;
  evaluateEvery: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  start: boolean;
}

/** Defaults: a short FedAvg run of the tiny CNN. */
export const DEFAULT_FIELDS: RunFormFields = {
  name: '',
  model: 'tiny-cnn',
  customModel: '',
  onnxModel: '',
  freeze: '',
  localBn: false,
  strategy: 'fedavg',
  strategyParams: '{}',
  rounds: '10',
  fraction: '1',
  minClients: '2',
  deadlineSeconds: '120',
  evaluateEvery: '1',
  epochs: '1',
  batchSize: '32',
  learningRate: '0.05',
  start: true,
};

/** The model choice that means "an uploaded ONNX model" (`GET /api/models`). */
export const UPLOADED_MODEL = 'onnx';

/** Model presets the coordinator knows. */
export const MODEL_PRESETS = ['tiny-cnn', '2nn', 'cnn'] as const;

/** Strategy names, with the parameters each adds to the common ones. */
export const STRATEGIES: readonly { name: string; params: string }[] = [
  { name: 'fedavg', params: 'none' },
  { name: 'fedavgm', params: 'serverLearningRate (1), serverMomentum (0.9)' },
  { name: 'fedprox', params: 'proximalMu (required), e.g. {"proximalMu": 0.01}' },
  { name: 'fedadam', params: 'serverLearningRate (0.1), beta1 (0.9), beta2 (0.99), tau (1e-9)' },
  { name: 'fedyogi', params: 'serverLearningRate (0.01), beta1 (0.9), beta2 (0.99), tau (1e-3)' },
  { name: 'fedadagrad', params: 'serverLearningRate (0.1), beta1 (0), tau (1e-9)' },
  { name: 'fedmedian', params: 'maxBufferedUpdates (1000), blockSize (4096)' },
  { name: 'fedtrimmedavg', params: 'beta (0.2), maxBufferedUpdates (1000), blockSize (4096)' },
];

/** A field problem found before sending (JSON that does not parse). */
export class FormError extends Error {
  constructor(
    readonly field: keyof RunFormFields,
    message: string,
  ) {
    super(message);
  }
}

function number(s: string): number | string {
  const t = s.trim();
  if (t === '') return t;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function jsonObject(field: keyof RunFormFields, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (e) {
    throw new FormError(field, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new FormError(field, 'must be a JSON object');
  return v as Record<string, unknown>;
}

/** `{ onnx, freeze?, localBn? }` for an uploaded model; FormError when none is picked. */
function onnxReference(f: RunFormFields): Record<string, unknown> {
  if (f.onnxModel === '') throw new FormError('onnxModel', 'pick or upload an ONNX model');
  const freeze = f.freeze
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return {
    onnx: f.onnxModel,
    ...(freeze.length > 0 ? { freeze } : {}),
    ...(f.localBn ? { localBn: true } : {}),
  };
}

/** The request body for the fields. Throws {@link FormError} for unparsable JSON fields. */
export function buildCreateRunBody(f: RunFormFields): {
  name?: string;
  start: boolean;
  config: Record<string, unknown>;
} {
  const minClients = number(f.minClients);
  const model =
    f.model === 'custom'
      ? jsonObject('customModel', f.customModel)
      : f.model === UPLOADED_MODEL
        ? onnxReference(f)
        : f.model;
  const deadline = number(f.deadlineSeconds);
  const config = {
    model,
    rounds: number(f.rounds),
    strategy: {
      name: f.strategy,
      fractionFit: number(f.fraction),
      minFitClients: minClients,
      minAvailableClients: minClients,
      minEvaluateClients: minClients,
      ...jsonObject('strategyParams', f.strategyParams),
    },
    roundDeadlineMs: typeof deadline === 'number' ? Math.round(deadline * 1000) : deadline,
    evaluateEvery: number(f.evaluateEvery),
    training: {
      epochs: number(f.epochs),
      batchSize: number(f.batchSize),
      learningRate: number(f.learningRate),
    },
  };
  const name = f.name.trim();
  return { ...(name === '' ? {} : { name }), start: f.start, config };
}
