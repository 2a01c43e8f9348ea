/**
 * DOM helpers of the example page: text of the status cards and the "what left this
 * device" table, rendered from the participant's transparency log.
 */
import type { SentRecord } from '@edgefed/client/browser';

/** The element with `id` that is an instance of `type`; throws when the page lacks it. */
export function el<T extends HTMLElement>(id: string, type: new () => T): T;
export function el(id: string): HTMLElement;
export function el(id: string, type: new () => HTMLElement = HTMLElement): HTMLElement {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`#${id} is missing from the page (or has the wrong type)`);
  return e;
}

/** Sets the text of `#id`. */
export function text(id: string, value: string): void {
  el(id).textContent = value;
}

/** Human-readable byte count. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function cell(row: HTMLTableRowElement, value: string): void {
  row.insertCell().textContent = value;
}

/** Appends one transparency record to the table. */
export function appendSent(record: SentRecord): void {
  const body = el('sent', HTMLTableElement).tBodies[0];
  if (body === undefined) return;
  const row = body.insertRow();
  cell(row, new Date(record.at).toLocaleTimeString());
  cell(row, record.note === undefined ? record.type : `${record.type} (${record.note})`);
  cell(row, formatBytes(record.bytes));
  cell(row, (record.tensors ?? []).map((t) => `${t.name} [${t.shape.join('×')}] ${t.dtype}`).join(', '));
  const metrics = Object.entries(record.metrics ?? {}).map(([k, v]) => `${k}=${Number(v.toFixed(4))}`);
  cell(row, metrics.join(' '));
}
