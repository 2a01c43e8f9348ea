/**
 * The coordinator's configuration: one zod schema, defaults for everything, so
 * `edgefed serve` runs with no configuration at all (embedded SQLite under ./data).
 * `store.kind: postgres` (with `store.url`) keeps runs and model blobs in PostgreSQL, so
 * several coordinator processes can share them.
 */
import { z } from 'zod';
import { isRedisUrl } from '../cluster/redis-url.js';

const port = z.number().int().min(0).max(65535);
const bytes = z.number().int().positive();
const ms = z.number().int().positive();

/** Schema of the coordinator configuration (after merging file, env and flags). */
export const coordinatorConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8080),
        /** Origins allowed by CORS for the REST API and socket.io; empty = same origin only. */
        corsOrigins: z.array(z.string().min(1)).default([]),
        /** URL clients use to reach this server (for model download links); derived when absent. */
        publicUrl: z.url().optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, corsOrigins: [] }),
    store: z
      .object({
        kind: z.enum(['sqlite', 'memory', 'postgres']).default('sqlite'),
        /**
         * Data directory: SQLite file, blobs and generated secrets live here. With
         * `postgres`, only the secrets and the uploaded-model entries (`models/`).
         */
        dataDir: z.string().min(1).default('./data'),
        /** `postgres` only: the database, `postgres://user:password@host:5432/db`. */
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
          .optional(),
        /** `postgres` only: the schema holding edgefed's tables (default public). */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and _')
          .optional(),
        /**
         * `postgres` only: where model blobs go: in PostgreSQL (default), or in a directory
         * every node shares (`{ dir }`, e.g. an NFS mount).
         */
        blobs: z.union([z.literal('postgres'), z.object({ dir: z.string().min(1) }).strict()]).optional(),
        /** `postgres` only: connections per node (default 10). */
        maxConnections: z.number().int().positive().max(1000).optional(),
      })
      .strict()
      .superRefine((store, ctx) => {
        if (store.kind === 'postgres' && store.url === undefined) {
          ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when store.kind is postgres' });
        }
        if (store.kind === 'postgres') return;
        for (const key of ['url', 'schema', 'blobs', 'maxConnections'] as const) {
          if (store[key] !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: 'only applies when store.kind is postgres',
            });
          }
        }
      })
      .default({ kind: 'sqlite', dataDir: './data' }),
    auth: z
      .object({
        /** Bearer token for the admin REST API and dashboard; generated and saved when absent. */
        adminToken: z.string().min(16, 'admin token must be at least 16 characters').optional(),
        /** HMAC secret that signs participants' join tokens; generated and saved when absent. */
        tokenSecret: z.string().min(32, 'token secret must be at least 32 characters').optional(),
      })
      .strict()
      .default({}),
    limits: z
      .object({
        maxMessageBytes: bytes.default(2 * 1024 * 1024),
        maxChunkBytes: bytes.default(1024 * 1024),
        maxUpdateBytes: bytes.default(256 * 1024 * 1024),
        maxClients: z.number().int().positive().default(20_000),
        messagesPerSecond: z.number().positive().default(200),
      })
      .strict()
      .default({
        maxMessageBytes: 2 * 1024 * 1024,
        maxChunkBytes: 1024 * 1024,
        maxUpdateBytes: 256 * 1024 * 1024,
        maxClients: 20_000,
        messagesPerSecond: 200,
      }),
    clients: z
      .object({
        heartbeatIntervalMs: ms.default(10_000),
        resumeGraceMs: ms.default(60_000),
        helloTimeoutMs: ms.default(10_000),
      })
      .strict()
      .default({ heartbeatIntervalMs: 10_000, resumeGraceMs: 60_000, helloTimeoutMs: 10_000 }),
    /**
     * Cluster mode (several coordinator nodes sharing one Redis; docs/deploy.md). Absent: one
     * coordinator, nothing shared (the default).
     */
    cluster: z
      .object({
        /** Redis URL (`redis://host:6379`, `rediss://` for TLS). */
        redis: z.string().refine(isRedisUrl, 'must be a redis:// or rediss:// URL with a host'),
        /** This node's id in the registry and on leases; default `<hostname>-<pid>-<random>`. */
        nodeId: z
          .string()
          .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits and . _ : - only (at most 100)')
          .optional(),
        /**
         * Where the other nodes reach this node (the registry's URL; run control is forwarded
         * there). Default: the address the node listens on (never `server.publicUrl`, which
         * behind a load balancer names the balancer).
         */
        nodeUrl: z.url().optional(),
        /** A node missing heartbeats this long disappears from the registry. */
        nodeTtlMs: ms.default(10_000),
        /** Run lease time to live: a dead leader's runs are taken over within about this long. */
        leaseTtlMs: ms.default(10_000),
        /** Prefix of every Redis key edgefed writes (several clusters can share one Redis). */
        keyPrefix: z.string().min(1).default('edgefed:'),
      })
      .strict()
      .optional(),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

/** A complete, validated coordinator configuration. */
export type CoordinatorConfig = z.infer<typeof coordinatorConfigSchema>;

/** What a config file, the environment or flags may set: any subset of the full config. */
export type CoordinatorConfigInput = z.input<typeof coordinatorConfigSchema>;
