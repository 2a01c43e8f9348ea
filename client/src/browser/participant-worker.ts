/**
 * Web Worker entry of the browser participant: hosts one participant and talks to the page
 * through `postMessage`. Load it as a module worker (`{ type: 'module' }`); the page side
 * is `createBrowserParticipant`, which starts this worker by default.
 */
import { hostParticipant } from './participant-host.js';

hostParticipant(globalThis);
