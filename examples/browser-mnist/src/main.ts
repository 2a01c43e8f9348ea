/**
 * The browser-MNIST example page. URL parameters: `shard` (which simulated user's data this
 * page holds), `token` (join token) or `model` (a model name, e.g. `lenet-bn` for the LeNet-5
 * imported from PyTorch: the page asks `/example/join?model=` for a token of the run that
 * trains it, and shows what it is), optional `backend` (`auto` | `webgpu` | `wasm`),
 * `worker=0` (train on the page's thread) and `store` (IndexedDB name). The user ticks
 * "I agree" and joins; the page then shows the backend and why, training progress, local
 * accuracy before/after each round, bytes sent and every message that left the device.
 * Once a round has brought a global model, the user can draw a digit (or pick one of their
 * held-out images) and see the prediction and its saliency map, computed on the device
 * (explainer.ts) and never sent. `window.edgefedExample` exposes the same state for the
 * end-to-end tests.
 */
import {
  checkBackendPreference,
  createBrowserParticipant,
  forgetDevice,
  type BrowserParticipant,
  type LocalEvaluation,
  type SentRecord,
} from '@edgefed/client/browser';
import { decodeShard } from './shard-format.js';
import { appendSent, el, formatBytes, text } from '../../common/ui.js';
import '../../common/style.css';
import { DrawPad } from './draw-pad.js';
import { drawHeatmap, showExplanation } from './explain-view.js';
import { Explainer } from './explainer.js';
import { saliencyInsideInk, toMnistInput } from './mnist-input.js';

/** What the page shows, also readable by tests. */
interface ExampleState {
  status: 'loading' | 'ready' | 'joining' | 'joined' | 'stopped' | 'failed';
  error?: string;
  /** The task being worked on and the last step reported for it. */
  currentTask?: { taskId: string; round: number; kind: string; step: number };
  backend?: string;
  backendReason?: string;
  trainExamples: number;
  tasksCompleted: number;
  tasksFailed: { taskId: string; code: string }[];
  evaluations: LocalEvaluation[];
  sent: SentRecord[];
  bytesSent: number;
  cachedModels: readonly string[];
  policyReasons: readonly string[];
  /** With `?model=`: the run and model the example server named (`/example/join`). */
  model?: { model: string; runId: string; kind?: string; hash?: string };
  /** The global model version the drawing pad explains with (after the first task). */
  localModelVersion?: number;
  /** The latest explanation of the pad's digit (computed here, never sent). */
  explanation?: {
    status: 'running' | 'done' | 'no-model' | 'failed';
    error?: string;
    modelVersion?: number;
    backend?: string;
    predicted?: number;
    probabilities?: number[];
    /** The 28x28 model input (784 values in [0, 1]). */
    input?: number[];
    saliency?: number[];
    /** Share of the map's energy inside the ink's bounding box, and the box's share of the area. */
    insideInk?: { inside: number; area: number };
    ms?: number;
  };
}

const state: ExampleState = {
  status: 'loading',
  trainExamples: 0,
  tasksCompleted: 0,
  tasksFailed: [],
  evaluations: [],
  sent: [],
  bytesSent: 0,
  cachedModels: [],
  policyReasons: [],
};
(globalThis as { edgefedExample?: ExampleState }).edgefedExample = state;

const params = new URL(location.href).searchParams;
const shard = Number(params.get('shard') ?? '0');
const storeName = params.get('store') ?? `edgefed-mnist-${shard}`;
const explainer = new Explainer(storeName, '/ort/');

function setStatus(s: ExampleState['status'], detail = ''): void {
  state.status = s;
  text('status', detail === '' ? s : `${s}: ${detail}`);
}

async function loadShard(): Promise<ReturnType<typeof decodeShard>> {
  const res = await fetch(`/shards/${shard}.bin`);
  if (!res.ok) throw new Error(`shard ${shard}: HTTP ${res.status}`);
  return decodeShard(new Uint8Array(await res.arrayBuffer()));
}

function wire(p: BrowserParticipant): void {
  p.on('task-started', (t) => {
    state.currentTask = { taskId: t.taskId, round: t.round, kind: t.kind, step: 0 };
    text('progress-text', `round ${t.round}: ${t.kind} started`);
  });
  p.on('progress', (g) => {
    if (state.currentTask?.taskId === g.taskId) state.currentTask.step = g.step;
    const bar = el('progress', HTMLProgressElement);
    bar.max = g.totalSteps ?? Math.max(bar.max, g.step);
    bar.value = g.step;
    text('progress-text', `step ${g.step}${g.loss === undefined ? '' : `, loss ${g.loss.toFixed(3)}`}`);
  });
  p.on('task-completed', () => {
    state.tasksCompleted++;
    text('progress-text', `${state.tasksCompleted} task(s) done`);
  });
  p.on('task-failed', (f) => {
    state.tasksFailed.push({ taskId: f.taskId, code: f.error.code });
    text('progress-text', `task failed: ${f.error.code}`);
  });
  p.on('local-evaluation', (e) => {
    state.evaluations.push(e);
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    text(
      'accuracy',
      `before ${pct(e.before.accuracy)} → after ${pct(e.after.accuracy)} (${e.exampleCount} held out)`,
    );
  });
  p.on('policy', (v) => {
    state.policyReasons = v.reasons;
    if (!v.allowed) text('status', `paused: ${v.reasons.join('; ')}`);
    else if (state.status === 'joined') text('status', 'joined');
  });
  p.on('stopped', () => setStatus('stopped'));
  const sentLog = p.log;
  let shown = 0;
  const refresh = (): void => {
    const entries = sentLog.entries();
    for (const r of entries.slice(shown)) appendSent(r);
    shown = entries.length;
    state.sent = entries;
    state.bytesSent = sentLog.totalBytes;
    text('bytes', formatBytes(sentLog.totalBytes));
  };
  for (const e of ['uploaded', 'task-completed', 'task-failed'] as const)
    p.on(e, () => setTimeout(refresh, 0));
  setInterval(refresh, 1000);
}

/** The join token: `?token=`, or one for the run of `?model=` from the example server. */
async function joinToken(): Promise<string> {
  const model = params.get('model');
  if (model === null) return params.get('token') ?? '';
  const res = await fetch(`/example/join?model=${encodeURIComponent(model)}`);
  const body = (await res.json()) as {
    token?: string;
    runId?: string;
    kind?: string;
    hash?: string;
    error?: { code: string; message: string };
  };
  if (!res.ok || body.token === undefined || body.runId === undefined)
    throw Object.assign(new Error(body.error?.message ?? `HTTP ${res.status}`), {
      code: body.error?.code ?? 'NOT_FOUND',
    });
  state.model = {
    model,
    runId: body.runId,
    ...(body.kind === undefined ? {} : { kind: body.kind }),
    ...(body.hash === undefined ? {} : { hash: body.hash }),
  };
  text(
    'model',
    `${model}${body.kind === 'onnx' ? ` (imported ONNX, ${body.hash?.slice(0, 19) ?? ''}…)` : ''}`,
  );
  return body.token;
}

async function join(data: ReturnType<typeof decodeShard>): Promise<void> {
  setStatus('joining');
  const token = await joinToken();
  const worker = params.get('worker') !== '0';
  const p = await createBrowserParticipant({
    url: location.origin,
    token,
    train: data.train,
    test: data.test,
    policy: { consent: el('agree', HTMLInputElement).checked, page: 'visible' },
    backend: checkBackendPreference(params.get('backend') ?? 'auto'),
    wasmPaths: '/ort/',
    store: storeName,
    worker,
    progressIntervalMs: 500,
  });
  state.backend = p.backend;
  state.backendReason = p.backendReason;
  state.cachedModels = p.cachedModels;
  explainer.useBackend(p.backend === 'webgpu' ? 'webgpu' : 'wasm');
  p.on('model', (m) => {
    explainer
      .setModel(m)
      .then((ok) => {
        if (!ok) return;
        state.localModelVersion = m.version;
        text(
          'explain-note',
          `Draw a digit: global model version ${m.version} runs here, with ${p.backend}; the map stays on this device.`,
        );
      })
      .catch((e: unknown) => {
        state.error = String(e);
      });
  });
  text('backend', `${p.backend}${worker ? ' (Web Worker)' : ' (page thread)'}`);
  text('backend-reason', p.backendReason);
  wire(p);
  setStatus('joined', `client ${p.clientId.slice(0, 8)}`);
  el('forget').onclick = () => {
    void p.forget().then(() => setStatus('stopped', 'local state deleted'));
  };
}

/** Explains `input` (784 values) and shows it; only the newest request is rendered. */
let latestExplanation = 0;
function explain(input: Float32Array): void {
  const id = ++latestExplanation;
  state.explanation = { status: 'running' };
  text('prediction', 'computing on this device…');
  explainer
    .explain(input)
    .then((e) => {
      if (id !== latestExplanation) return;
      if (e === undefined) {
        state.explanation = { status: 'no-model' };
        text('prediction', 'No global model on this device yet: join and wait for the first round.');
        return;
      }
      state.explanation = {
        status: 'done',
        modelVersion: e.modelVersion,
        backend: e.backend,
        predicted: e.predicted,
        probabilities: Array.from(e.probabilities),
        input: Array.from(input),
        saliency: Array.from(e.saliency),
        insideInk: saliencyInsideInk(input, e.saliency),
        ms: e.ms,
      };
      showExplanation(e, input);
    })
    .catch((err: unknown) => {
      if (id !== latestExplanation) return;
      state.explanation = { status: 'failed', error: String(err) };
      text('prediction', `failed: ${String(err)}`);
    });
}

/** The drawing pad, its buttons and the held-out images the "use one of my images" button cycles through. */
function wirePad(test: ReturnType<typeof decodeShard>['test']): void {
  const pad = new DrawPad(el('pad', HTMLCanvasElement), () => {
    explain(toMnistInput(pad.ink()));
  });
  el('clear').onclick = () => {
    latestExplanation++;
    pad.clear();
    drawHeatmap(new Float32Array(784), new Float32Array(784));
    delete state.explanation;
    text('prediction', 'No prediction yet');
    el('probabilities').replaceChildren();
  };
  let next = 0;
  el('sample').onclick = () => {
    if (test.size === 0) return;
    const i = next++ % test.size;
    const image = test.features.slice(i * 784, (i + 1) * 784);
    pad.show(image);
    explain(image);
  };
}

async function main(): Promise<void> {
  const data = await loadShard();
  wirePad(data.test);
  state.trainExamples = data.train.size;
  text(
    'data',
    `shard ${shard}: ${data.train.size} training + ${data.test.size} held-out images (never sent)`,
  );
  setStatus('ready');
  const agree = el('agree', HTMLInputElement);
  const button = el('join', HTMLButtonElement);
  agree.onchange = () => {
    button.disabled = !agree.checked;
  };
  el('forget').onclick = () => {
    void forgetDevice(storeName).then(() => text('status', 'local state deleted'));
  };
  button.onclick = () => {
    button.disabled = true;
    join(data).catch((e: unknown) => {
      state.error =
        e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
      setStatus('failed', state.error);
    });
  };
}

main().catch((e: unknown) => {
  state.error = String(e);
  setStatus('failed', state.error);
});
