/**
 * DOM rendering of the keyboard page: the suggestion bar (three word buttons), the
 * next-character chips, which typed characters the suggestion attended to (each
 * highlighted by its attention weight) and the suggestion-quality history. The status cards and the
 * "what left this device" table use the shared helpers in `examples/common/ui.ts`.
 */
import { el, text } from '../../common/ui.js';
import type { Suggestions } from './suggester.js';

/** Renders the suggestion bar; `onPick(word)` runs when one is clicked. */
export function renderSuggestions(s: Suggestions | undefined, onPick: (word: string) => void): void {
  const bar = el('suggestions');
  bar.replaceChildren();
  const words = s?.words ?? [];
  for (let i = 0; i < 3; i++) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'suggestion';
    const w = words[i];
    b.textContent = w ?? '…';
    b.disabled = w === undefined;
    if (w !== undefined)
      b.onclick = () => {
        onPick(w);
      };
    bar.append(b);
  }
  const chips = (s?.nextChars ?? []).map(
    (c) => `${c.char === ' ' ? '␣' : c.char} ${(c.p * 100).toFixed(0)}%`,
  );
  text(
    'next-chars',
    chips.length === 0 ? 'no model yet: join to receive the global model' : chips.join('   '),
  );
}

/**
 * Shows the context's characters under the suggestions, each highlighted by the attention
 * weight the next-character prediction gave it (darkest = most attended); the weight is in
 * each character's `data-weight` and its tooltip.
 */
export function renderAttention(a: Suggestions['attention'] | undefined): void {
  const line = el('attention');
  const weights = a?.weights ?? [];
  const max = Math.max(0, ...weights);
  line.replaceChildren(
    ...(a?.chars ?? []).map((ch, i) => {
      const span = document.createElement('span');
      const w = weights[i] ?? 0;
      span.textContent = ch === ' ' ? '␣' : ch;
      span.dataset.weight = String(w);
      span.title = `${ch === ' ' ? 'space' : ch}: ${(w * 100).toFixed(1)}% of the attention`;
      span.style.backgroundColor = `rgba(230, 120, 20, ${max === 0 ? 0 : (w / max).toFixed(3)})`;
      return span;
    }),
  );
}

/** Appends a row to the suggestion-quality list (one per global model received). */
export function appendQuality(round: number, top3: number, before: number | undefined): void {
  const li = document.createElement('li');
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  li.textContent =
    `round ${round} model: right key in top 3 ${pct(top3)} of held-out text` +
    (before === undefined ? '' : ` (local model after training: ${pct(before)} next-char accuracy)`);
  el('quality').append(li);
}
