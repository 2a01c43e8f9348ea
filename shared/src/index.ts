/**
 * @edgefed/shared — the portable core of edgefed. Runs in browsers, workers and Node;
 * imports nothing platform-specific.
 */
export {
  EdgefedError,
  ERROR_CODES,
  fromWireError,
  isEdgefedError,
  isErrorCode,
  toEdgefedError,
} from './errors.js';
export type { EdgefedErrorOptions, ErrorCode, ErrorDetails, WireError } from './errors.js';
