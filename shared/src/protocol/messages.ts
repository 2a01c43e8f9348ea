/**
 * The message catalogue of protocol v1: which types each direction may send, their
 * schemas, and the discriminated unions of parsed messages.
 */
import type { z } from 'zod';
import { errorMessageSchema, heartbeatSchema } from './common-messages.js';
import { helloSchema, progressSchema, resultSchema, uploadChunkSchema } from './client-messages.js';
import { cancelSchema, taskSchema, welcomeSchema } from './server-messages.js';
import {
  secAggAdvertiseSchema,
  secAggInboxSchema,
  secAggRosterSchema,
  secAggSharesSchema,
  secAggUnmaskRequestSchema,
  secAggUnmaskSchema,
} from './secagg-messages.js';

/** Schemas of the messages a participant sends (event name = message type). */
export const CLIENT_MESSAGE_SCHEMAS = {
  hello: helloSchema,
  result: resultSchema,
  'upload-chunk': uploadChunkSchema,
  progress: progressSchema,
  heartbeat: heartbeatSchema,
  error: errorMessageSchema,
  'secagg-advertise': secAggAdvertiseSchema,
  'secagg-shares': secAggSharesSchema,
  'secagg-unmask': secAggUnmaskSchema,
} as const;

/** Schemas of the messages the coordinator sends (event name = message type). */
export const SERVER_MESSAGE_SCHEMAS = {
  welcome: welcomeSchema,
  task: taskSchema,
  cancel: cancelSchema,
  heartbeat: heartbeatSchema,
  error: errorMessageSchema,
  'secagg-roster': secAggRosterSchema,
  'secagg-inbox': secAggInboxSchema,
  'secagg-unmask-request': secAggUnmaskRequestSchema,
} as const;

/** Who sent a message: `client-to-server` or `server-to-client`. */
export type Direction = 'client-to-server' | 'server-to-client';

/** Message types a participant may send. */
export type ClientMessageType = keyof typeof CLIENT_MESSAGE_SCHEMAS;
/** Message types the coordinator may send. */
export type ServerMessageType = keyof typeof SERVER_MESSAGE_SCHEMAS;

/** The client message types, in a fixed order. */
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_MESSAGE_SCHEMAS) as readonly ClientMessageType[];
/** The server message types, in a fixed order. */
export const SERVER_MESSAGE_TYPES = Object.keys(SERVER_MESSAGE_SCHEMAS) as readonly ServerMessageType[];

/** Client message types that carry a socket.io acknowledgement. */
export const ACKED_MESSAGE_TYPES = [
  'result',
  'upload-chunk',
  'secagg-advertise',
  'secagg-shares',
  'secagg-unmask',
] as const;
/** A client message type answered with an {@link AckResponse}. */
export type AckedMessageType = (typeof ACKED_MESSAGE_TYPES)[number];

/** Any parsed message a participant sends (discriminated on `type`). */
export type ClientMessage = {
  [K in ClientMessageType]: z.output<(typeof CLIENT_MESSAGE_SCHEMAS)[K]>;
}[ClientMessageType];
/** Any parsed message the coordinator sends (discriminated on `type`). */
export type ServerMessage = {
  [K in ServerMessageType]: z.output<(typeof SERVER_MESSAGE_SCHEMAS)[K]>;
}[ServerMessageType];

/** A client message as written by a sender, before parsing (e.g. binary as ArrayBuffer). */
export type ClientMessageInput = {
  [K in ClientMessageType]: z.input<(typeof CLIENT_MESSAGE_SCHEMAS)[K]>;
}[ClientMessageType];
/** A server message as written by a sender, before parsing. */
export type ServerMessageInput = {
  [K in ServerMessageType]: z.input<(typeof SERVER_MESSAGE_SCHEMAS)[K]>;
}[ServerMessageType];

/** The parsed client message of type `T`. */
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
/** The parsed server message of type `T`. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;
/** The sender-side form of client message `T`. */
export type ClientMessageInputOf<T extends ClientMessageType> = Extract<ClientMessageInput, { type: T }>;
/** The sender-side form of server message `T`. */
export type ServerMessageInputOf<T extends ServerMessageType> = Extract<ServerMessageInput, { type: T }>;

/** True when `type` is a message type participants may send. */
export function isClientMessageType(type: unknown): type is ClientMessageType {
  return typeof type === 'string' && Object.hasOwn(CLIENT_MESSAGE_SCHEMAS, type);
}

/** True when `type` is a message type the coordinator may send. */
export function isServerMessageType(type: unknown): type is ServerMessageType {
  return typeof type === 'string' && Object.hasOwn(SERVER_MESSAGE_SCHEMAS, type);
}

/** True when client message `type` is acknowledged (see {@link ACKED_MESSAGE_TYPES}). */
export function isAckedMessageType(type: unknown): type is AckedMessageType {
  return typeof type === 'string' && (ACKED_MESSAGE_TYPES as readonly string[]).includes(type);
}
