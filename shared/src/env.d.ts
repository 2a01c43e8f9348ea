/**
 * Globals that every runtime edgefed supports (browsers, workers, Node >= 20) provides,
 * declared here because `shared` compiles against the bare ES library (no DOM, no Node).
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}

/** An opaque timer handle (a number in browsers, a Timeout object in Node). */
type TimerHandle = unknown;
declare function setTimeout(callback: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle): void;
declare function queueMicrotask(callback: () => void): void;
