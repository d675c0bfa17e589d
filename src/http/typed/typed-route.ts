// Typed REST routes: each route declares its query, body and response as zod schemas. The same
// schemas validate requests here and produce the OpenAPI document (openapi.ts), so the document
// cannot drift from what the server accepts. Values are binary-safe: `?encoding=base64` makes every
// key, field, member and value in bodies and responses base64; path parameters are percent-encoded bytes.

import { z } from 'zod';
import type { Gateway } from '../../gateway/gateway.js';
import { errorText, isErrorValue, type RespValue } from '../../protocol/resp-value.js';
import { base64Bytes, parseJson, percentDecode } from '../command-input.js';
import type { CommandRunner } from '../command-runner.js';
import { type HttpContext, sendJson } from '../http-context.js';
import { HttpError, redisError, statusOfRedisError } from '../http-errors.js';

export type Encoding = 'utf8' | 'base64';

/** Text ⇄ bytes for one request, per its `encoding` parameter. */
export interface Codec {
  readonly encoding: Encoding;
  /** Bytes of a client string; 400 naming `where` when it is not valid base64. */
  bytes(text: string, where: string): Buffer;
  text(bytes: Buffer): string;
}

export function codecFor(encoding: Encoding): Codec {
  return encoding === 'base64'
    ? { encoding, bytes: (t, where) => base64Bytes(t, where), text: (b) => b.toString('base64') }
    : { encoding, bytes: (t) => Buffer.from(t, 'utf8'), text: (b) => b.toString('utf8') };
}

export type CommandArg = Buffer | string | number;

/** Redis for a route: error replies become HttpErrors with a status that fits them. */
export interface RouteRedis {
  call(...args: CommandArg[]): Promise<RespValue>;
  /** Several commands in one pipeline; the first error reply fails the request. */
  batch(...commands: CommandArg[][]): Promise<RespValue[]>;
}

export interface RouteContext<Q, B> {
  /** A path parameter as bytes (percent-decoded). */
  param(name: string): Buffer;
  readonly query: Q;
  readonly body: B;
  readonly codec: Codec;
  readonly redis: RouteRedis;
  readonly gateway: Gateway;
}

export interface TypedRoute {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly tag: string;
  readonly operationId: string;
  readonly summary: string;
  /** Path parameter descriptions, by name. */
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: z.ZodObject;
  readonly body: z.ZodType | null;
  readonly response: z.ZodType;
  /** Statuses besides 200 this route answers on purpose, with what they mean. */
  readonly errors: Readonly<Record<number, string>>;
  /** False for routes that take no `encoding` parameter. */
  readonly encoded: boolean;
  handle(ctx: RouteContext<unknown, unknown>): Promise<unknown>;
}

export const encodingParam = z
  .enum(['utf8', 'base64'])
  .default('utf8')
  .describe(
    'utf8: strings as text. base64: every key, field, member and value in bodies and responses is base64.',
  );

interface RouteDefinition<Q extends z.ZodRawShape, B extends z.ZodType | null, R extends z.ZodType> {
  method: TypedRoute['method'];
  path: string;
  tag: string;
  operationId: string;
  summary: string;
  pathParams?: Record<string, string>;
  query?: Q;
  body?: B;
  response: R;
  errors?: Record<number, string>;
  encoded?: boolean;
  handle(
    ctx: RouteContext<z.output<z.ZodObject<Q>>, B extends z.ZodType ? z.output<B> : undefined>,
  ): Promise<z.input<R>>;
}

export function defineRoute<
  Q extends z.ZodRawShape = Record<never, never>,
  B extends z.ZodType | null = null,
  R extends z.ZodType = z.ZodType,
>(def: RouteDefinition<Q, B, R>): TypedRoute {
  const encoded = def.encoded ?? true;
  const shape = { ...(def.query ?? {}), ...(encoded ? { encoding: encodingParam } : {}) };
  return {
    method: def.method,
    path: def.path,
    tag: def.tag,
    operationId: def.operationId,
    summary: def.summary,
    pathParams: def.pathParams ?? {},
    query: z.strictObject(shape),
    body: def.body ?? null,
    response: def.response,
    errors: def.errors ?? {},
    encoded,
    handle: def.handle as TypedRoute['handle'],
  };
}

/** Validation failure as a 400 naming every problem. */
function invalid(what: string, error: z.ZodError): HttpError {
  const err = new HttpError(
    400,
    'BAD_REQUEST',
    `ERR invalid ${what}: ${z.prettifyError(error).replace(/\n/g, ' ')}`,
  );
  return err;
}

function queryObject(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of query) if (name !== '_token') out[name] = value;
  return out;
}

/** Serves one request on a typed route: validate, run, answer JSON. */
export async function serveTypedRoute(
  route: TypedRoute,
  ctx: HttpContext,
  runner: CommandRunner,
  gateway: Gateway,
): Promise<void> {
  const query = route.query.safeParse(queryObject(ctx.query));
  if (!query.success) throw invalid('query parameters', query.error);
  let body: unknown;
  if (route.body) {
    const raw = await ctx.body();
    const parsed = route.body.safeParse(
      raw.length === 0 ? {} : parseJson(raw.toString('utf8'), 'request body'),
    );
    if (!parsed.success) throw invalid('request body', parsed.error);
    body = parsed.data;
  }
  const encoding: Encoding = (query.data as { encoding?: Encoding }).encoding ?? 'utf8';
  const principal = ctx.principal;
  const toBuffer = (arg: CommandArg) => (Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg)));
  const redis: RouteRedis = {
    async call(...args) {
      const reply = await runner.run(principal, args.map(toBuffer), ctx.abandoned);
      if (isErrorValue(reply)) throw redisError(errorText(reply), statusOfRedisError(errorText(reply)));
      return reply;
    },
    async batch(...commands) {
      const replies = await runner.pipeline(
        principal,
        commands.map((c) => c.map(toBuffer)),
      );
      for (const reply of replies) {
        if (isErrorValue(reply)) throw redisError(errorText(reply), statusOfRedisError(errorText(reply)));
      }
      return replies;
    },
  };
  const result = await route.handle({
    param: (name) => percentDecode(ctx.params[name] ?? ''),
    query: query.data,
    body,
    codec: codecFor(encoding),
    redis,
    gateway,
  });
  sendJson(ctx, 200, JSON.stringify(result));
}

// ---- helpers shared by the route modules ----

/** Bytes of a bulk reply, or null for a null reply. */
export function bulkOrNull(reply: RespValue): Buffer | null {
  if (reply.type === 'bulk' || reply.type === 'verbatim') return reply.value;
  if (reply.type === 'simple') return Buffer.from(reply.value);
  return null;
}

export function integerOf(reply: RespValue): number {
  if (reply.type === 'integer') return Number(reply.value);
  if (reply.type === 'bulk') return Number(reply.value.toString('latin1'));
  throw new HttpError(502, 'INTERNAL', `ERR expected an integer reply, got ${reply.type}`);
}

export function itemsOf(reply: RespValue): RespValue[] {
  if (reply.type === 'array' || reply.type === 'set' || reply.type === 'push') return reply.value;
  if (reply.type === 'map') return reply.value.flat();
  return [];
}

/** A Redis score (`1.5`, `inf`, `-inf`) as JSON: a number, or the strings "inf" / "-inf". */
export function scoreOf(reply: RespValue): number | 'inf' | '-inf' {
  const text =
    reply.type === 'bulk' ? reply.value.toString('latin1') : reply.type === 'double' ? reply.raw : '';
  if (text === 'inf' || text === '+inf') return 'inf';
  if (text === '-inf') return '-inf';
  return Number(text);
}

export const scoreSchema = z
  .union([z.number(), z.enum(['inf', '-inf', '+inf'])])
  .describe('A score: a number, or "inf" / "-inf" for the infinities.');

export function notFoundError(what: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `ERR ${what}`);
}
