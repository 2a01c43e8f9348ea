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
// --- protocol (wire protocol v1) ---
export { checkProtocolVersion, parseSemVer, PROTOCOL_VERSION } from './protocol/version.js';
export type { ProtocolCompat, SemVer } from './protocol/version.js';
export {
  binarySchema,
  checksumSchema,
  countSchema,
  epochMsSchema,
  idSchema,
  MAX_ID_LENGTH,
  metricsSchema,
  positiveCountSchema,
  scalarRecordSchema,
  scalarSchema,
} from './protocol/fields.js';
export {
  capabilitiesSchema,
  helloSchema,
  progressSchema,
  resultSchema,
  updateRefSchema,
  uploadChunkSchema,
} from './protocol/client-messages.js';
export type {
  Capabilities,
  HelloMessage,
  ProgressMessage,
  ResultMessage,
  UpdateRef,
  UploadChunkInput,
  UploadChunkMessage,
} from './protocol/client-messages.js';
export { cancelSchema, limitsSchema, taskSchema, welcomeSchema } from './protocol/server-messages.js';
export type { CancelMessage, Limits, TaskMessage, WelcomeMessage } from './protocol/server-messages.js';
export { errorCodeSchema, errorMessageSchema, heartbeatSchema } from './protocol/common-messages.js';
export type { ErrorMessage, ErrorMessageInput, HeartbeatMessage } from './protocol/common-messages.js';
export {
  ACKED_MESSAGE_TYPES,
  CLIENT_MESSAGE_SCHEMAS,
  CLIENT_MESSAGE_TYPES,
  isAckedMessageType,
  isClientMessageType,
  isServerMessageType,
  SERVER_MESSAGE_SCHEMAS,
  SERVER_MESSAGE_TYPES,
} from './protocol/messages.js';
export type {
  AckedMessageType,
  ClientMessage,
  ClientMessageInput,
  ClientMessageInputOf,
  ClientMessageOf,
  ClientMessageType,
  Direction,
  ServerMessage,
  ServerMessageInput,
  ServerMessageInputOf,
  ServerMessageOf,
  ServerMessageType,
} from './protocol/messages.js';
export { MAX_REPORTED_ISSUES, parseMessage, toWireIssues } from './protocol/parse-message.js';
export type { WireIssue } from './protocol/parse-message.js';
export { ackResponseSchema } from './protocol/events.js';
export type {
  AckCallback,
  AckResponse,
  ClientToServerEvents,
  ServerToClientEvents,
} from './protocol/events.js';
// --- end protocol ---
