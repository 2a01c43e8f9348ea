/**
 * The keyboard example page. URL parameters: `shard` (which simulated user: their earlier
 * text, one president's State of the Union addresses), `token` (join token), `model`
 * (`demo` | `tiny`), optional `backend` (`auto` | `webgpu` | `wasm`), `worker=0` and
 * `store` (IndexedDB name prefix). What the user types is saved in IndexedDB only; after
 * consent the page trains the shared model on it (in the participant's Web Worker) and
 * suggests words from each new global model. `window.edgefedExample` exposes the state for
 * the end-to-end tests.
 */
import {
  checkBackendPreference,
  createBrowserParticipant,
  forgetDevice,
  openDeviceStore,
  type BrowserParticipant,
} from '@edgefed/client/browser';
import { decodeTensorMap } from '@edgefed/shared';
import { el, text } from '../../common/ui.js';
import '../../common/style.css';
import { keyboardModelSize, normalizeText, splitSeed, textWindows } from './keyboard-model.js';
import { renderAttention, renderSuggestions } from './keyboard-view.js';
import { decodeSeed } from './seed-format.js';
import { Suggester } from './suggester.js';
import { forgetTyped, openTypedStore } from './typed-store.js';
import { state, wireParticipant } from './page-state.js';

const params = new URL(location.href).searchParams;
const shard = Number(params.get('shard') ?? '0');
const storeName = params.get('store') ?? `edgefed-keyboard-${shard}`;
const typedName = `${storeName}-typed`;
const modelSize = keyboardModelSize(params.get('model'));

function setStatus(s: typeof state.status, detail = ''): void {
  state.status = s;
  text('status', detail === '' ? s : `${s}: ${detail}`);
}

async function loadSeed(): Promise<ReturnType<typeof decodeSeed>> {
  const res = await fetch(`/shards/${shard}.bin`);
  if (!res.ok) throw new Error(`seed ${shard}: HTTP ${res.status}`);
  return decodeSeed(new Uint8Array(await res.arrayBuffer()));
}

/** Keeps the suggestions in step with the text box: only the newest request is rendered. */
function suggestions(box: HTMLTextAreaElement, suggester: Suggester): () => void {
  let latest = 0;
  const pick = (word: string): void => {
    box.value = box.value.replace(/[A-Za-z'-]*$/, '') + word + ' ';
    box.dispatchEvent(new Event('input'));
    box.focus();
  };
  return () => {
    const id = ++latest;
    suggester
      .suggest(box.value)
      .then((s) => {
        if (id !== latest) return;
        state.suggestions = {
          context: box.value,
          words: [...s.words],
          nextChars: s.nextChars.map((c) => c.char),
          attention: { chars: [...s.attention.chars], weights: [...s.attention.weights] },
        };
        renderSuggestions(s, pick);
        renderAttention(s.attention);
      })
      .catch((e: unknown) => {
        state.error = String(e);
      });
  };
}

/**
 * Loads the newest global model this device has (the participant's IndexedDB cache) unless
 * it is `known` already; returns its hash, or undefined when there is none or nothing new.
 */
async function loadNewestModel(suggester: Suggester, known?: string): Promise<string | undefined> {
  const store = await openDeviceStore({ name: storeName });
  try {
    const hash = (await store.modelHashes()).at(-1);
    if (hash === undefined || hash === known) return undefined;
    const bytes = await store.get(hash);
    if (bytes === undefined) return undefined;
    await suggester.setModel(decodeTensorMap(bytes));
    return hash;
  } finally {
    store.close();
  }
}

/** One model update at a time, so a model and its held-out score always belong together. */
let modelQueue: Promise<unknown> = Promise.resolve();

/** The running participant, the typed text it trains on, and how to unhook it. */
interface Session {
  readonly participant: BrowserParticipant;
  readonly typed: string;
  readonly unwire: () => void;
}

let session: Session | undefined;
let taskRunning = false;

async function join(
  seed: { head: string; tail: string },
  typed: string,
  suggester: Suggester,
  refresh: () => void,
): Promise<void> {
  setStatus('joining');
  const worker = params.get('worker') !== '0';
  const test = textWindows([seed.tail]);
  const p: BrowserParticipant = await createBrowserParticipant({
    url: location.origin,
    token: params.get('token') ?? '',
    train: textWindows([seed.head, typed]),
    test,
    policy: { consent: el('agree', HTMLInputElement).checked, page: 'visible' },
    backend: checkBackendPreference(params.get('backend') ?? 'auto'),
    wasmPaths: '/ort/',
    store: storeName,
    worker,
    progressIntervalMs: 500,
  });
  state.backend = p.backend;
  state.backendReason = p.backendReason;
  state.trainedOnTypedChars = typed.length;
  state.sessions.push({ clientId: p.clientId, resumedIdentity: p.resumedIdentity, typedChars: typed.length });
  text('backend', `${p.backend}${worker ? ' (Web Worker)' : ' (page thread)'}`);
  text('backend-reason', p.backendReason);
  p.on('task-started', () => (taskRunning = true));
  for (const e of ['task-completed', 'task-failed'] as const) p.on(e, () => (taskRunning = false));
  const unwire = wireParticipant(p, {
    onModel: (round) => {
      const next = modelQueue.then(async () => {
        const hash = await loadNewestModel(suggester, state.models.at(-1)?.hash);
        if (hash === undefined) return undefined;
        const entry = { round, hash, heldOutTop3: await suggester.heldOutTop3(test) };
        state.models.push(entry);
        refresh();
        return entry;
      });
      modelQueue = next.catch(() => undefined);
      return next;
    },
  });
  session = { participant: p, typed, unwire };
  setStatus('joined', `client ${p.clientId.slice(0, 8)}`);
  el('forget').onclick = () => {
    void p
      .forget()
      .then(() => forgetTyped(typedName))
      .then(() => setStatus('stopped', 'local state deleted'));
  };
}

/**
 * Text typed after joining: once typing pauses (2 s) and no task is running, the participant
 * is replaced by one that trains on the longer text (same device store, so the coordinator
 * gives back the same client id). A task that is running finishes first.
 */
function retrainOnTyping(
  box: HTMLTextAreaElement,
  seed: { head: string; tail: string },
  suggester: Suggester,
  refresh: () => void,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = async (): Promise<void> => {
    const current = session;
    const typed = normalizeText(box.value);
    if (current === undefined || state.status !== 'joined' || typed === current.typed) return;
    if (taskRunning) {
      schedule();
      return;
    }
    session = undefined;
    current.unwire();
    await current.participant.stop();
    await join(seed, typed, suggester, refresh);
  };
  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      attempt().catch((e: unknown) => {
        state.error = String(e);
        setStatus('failed', state.error);
      });
    }, 2000);
  }
  return schedule;
}

async function main(): Promise<void> {
  const [seed, typedStore, suggester] = await Promise.all([
    loadSeed(),
    openTypedStore(typedName),
    Suggester.create(modelSize, '/ort/'),
  ]);
  const { head, tail } = splitSeed(seed.text);
  const box = el('typed', HTMLTextAreaElement);
  box.value = await typedStore.load();
  state.president = seed.president;
  state.typedChars = box.value.length;
  text('data', `${seed.president}'s addresses: ${head.length.toLocaleString()} characters typed earlier`);
  const refresh = suggestions(box, suggester);
  const seedParts = { head, tail };
  const retrain = retrainOnTyping(box, seedParts, suggester, refresh);
  box.oninput = () => {
    retrain();
    state.typedChars = box.value.length;
    text('typed-count', `${box.value.length} characters typed here, kept in IndexedDB only`);
    typedStore.save(box.value).catch((e: unknown) => (state.error = String(e)));
    refresh();
  };
  box.dispatchEvent(new Event('input'));
  const cached = await loadNewestModel(suggester).catch(() => undefined);
  if (cached !== undefined) refresh();
  setStatus('ready');
  const agree = el('agree', HTMLInputElement);
  const button = el('join', HTMLButtonElement);
  agree.onchange = () => {
    button.disabled = !agree.checked;
  };
  el('forget').onclick = () => {
    void forgetDevice(storeName)
      .then(() => forgetTyped(typedName))
      .then(() => text('status', 'local state deleted'));
  };
  button.onclick = () => {
    button.disabled = true;
    join(seedParts, normalizeText(box.value), suggester, refresh).catch((e: unknown) => {
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
