// The OpenAPI 3.1 document served at /openapi.json. Typed routes contribute their own zod schemas
// (the ones that validate requests), converted with z.toJSONSchema; the Upstash protocol, the
// subscription streams and the WebSocket endpoint are described alongside.

import { z } from 'zod';
import type { TypedRoute } from './typed/typed-route.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const errorBody = z.object({
  error: z
    .string()
    .describe('Redis-style message: the Redis error text unchanged, or ERR/NOAUTH/NOPERM/... for the API.'),
  code: z
    .string()
    .describe(
      'Stable code: BAD_REQUEST, UNAUTHORIZED, NOPERM, NOT_FOUND, RATE_LIMITED, UNAVAILABLE, INTERNAL, or the Redis prefix (WRONGTYPE, ERR, ...).',
    ),
});

const commandArg = z.union([z.string(), z.number(), z.boolean()]);
const command = z.array(commandArg).min(1).describe('Command name, then its arguments, as Redis takes them.');
const envelope = z.union([
  z.object({ result: z.unknown().describe('The reply: string, number, null or array.') }),
  z.object({ error: z.string() }),
]);

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request: invalid input, or the command failed (the Redis error text)',
  401: 'Missing or unknown token',
  403: 'The token scope does not allow this (NOPERM), or the origin is not allowed',
  404: 'Not found',
  409: 'The key holds another type (WRONGTYPE)',
  413: 'Request body too large',
  429: 'Rate limit of the token exceeded; see Retry-After',
  503: 'The gateway cannot reach the cluster right now',
};

function errorResponses(statuses: readonly number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const status of statuses) {
    out[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function typedOperation(route: TypedRoute, open: boolean): Record<string, unknown> {
  const parameters: unknown[] = Object.entries(route.pathParams).map(([name, description]) => ({
    name,
    in: 'path',
    required: true,
    description,
    schema: { type: 'string' },
  }));
  const query = schemaOf(route.query, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  for (const [name, schema] of Object.entries(query.properties ?? {})) {
    const { description, ...rest } = schema;
    parameters.push({
      name,
      in: 'query',
      required: query.required?.includes(name) ?? false,
      ...(description !== undefined ? { description } : {}),
      schema: rest,
    });
  }
  const statuses = new Set([400, 403, 429, 503, ...Object.keys(route.errors).map(Number)]);
  if (!open) statuses.add(401);
  const operation: Record<string, unknown> = {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    parameters,
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: schemaOf(route.response, 'output') } },
      },
      ...errorResponses([...statuses].sort()),
    },
  };
  // Health routes need no token.
  if (route.tag === 'health') operation.security = [];
  if (route.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
    };
  }
  return operation;
}

function protocolPaths(): Record<string, unknown> {
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: schemaOf(schema, 'input') } });
  const upstashHeaders = [
    {
      name: 'Upstash-Encoding',
      in: 'header',
      required: false,
      description: 'base64: every string in the reply is base64, except a top-level "OK".',
      schema: { type: 'string', enum: ['base64'] },
    },
    {
      name: 'Upstash-Sync-Token',
      in: 'header',
      required: false,
      description: 'Echoed back unchanged in the response header of the same name.',
      schema: { type: 'string' },
    },
  ];
  const commandResponses = {
    '200': { description: 'The reply', content: json(envelope) },
    ...errorResponses([400, 401, 403, 429, 503]),
  };
  const sse = (what: string) => ({
    get: {
      tags: ['upstash'],
      summary: `Subscribe to ${what} as server-sent events (POST works too, as the Upstash SDK sends it).`,
      description:
        'Each event is one `data:` line: `subscribe,<channel>,<count>` first, then `message,<channel>,<payload>` ' +
        '(or `pmessage,<pattern>,<channel>,<payload>`). Several names may follow as further path segments.',
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        '200': {
          description: 'An event stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...errorResponses([400, 401, 403, 429]),
      },
    },
  });
  return {
    '/': {
      post: {
        tags: ['upstash'],
        operationId: 'command',
        summary: 'Run one command given as a JSON array (Upstash protocol).',
        parameters: upstashHeaders,
        requestBody: { required: true, content: json(command) },
        responses: commandResponses,
      },
    },
    '/pipeline': {
      post: {
        tags: ['upstash'],
        operationId: 'pipeline',
        summary: 'Run several commands in one request; one {result} or {error} per command, in order.',
        parameters: upstashHeaders,
        requestBody: { required: true, content: json(z.array(command).min(1)) },
        responses: {
          '200': { description: 'One envelope per command', content: json(z.array(envelope)) },
          ...errorResponses([400, 401, 429, 503]),
        },
      },
    },
    '/multi-exec': {
      post: {
        tags: ['upstash'],
        operationId: 'multiExec',
        summary: 'Run commands atomically (MULTI/EXEC); keys must share a hash slot.',
        parameters: upstashHeaders,
        requestBody: { required: true, content: json(z.array(command).min(1)) },
        responses: {
          '200': { description: 'One envelope per command', content: json(z.array(envelope)) },
          ...errorResponses([400, 401, 403, 429, 503]),
        },
      },
    },
    '/{command}/{arguments}': {
      get: {
        tags: ['upstash'],
        operationId: 'pathCommand',
        summary:
          'Path-style command: /set/foo/bar, /get/foo. POST/PUT append the body as the last argument; query parameters (?EX=100) are appended after it.',
        parameters: [
          { name: 'command', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'arguments',
            in: 'path',
            required: true,
            description: 'Arguments as further path segments, percent-encoded.',
            schema: { type: 'string' },
          },
          ...upstashHeaders,
        ],
        responses: commandResponses,
      },
    },
    '/subscribe/{name}': sse('channels'),
    '/psubscribe/{name}': sse('patterns'),
    '/ws': {
      get: {
        tags: ['websocket'],
        operationId: 'websocket',
        summary: 'WebSocket upgrade; JSON frames {id, cmd} → {id, result} (see docs/http-api.md).',
        parameters: [{ name: 'token', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '101': { description: 'Switching protocols' }, ...errorResponses([401, 403]) },
      },
    },
  };
}

/** The whole document; `open` is true when no token is configured. */
export function openApiDocument(
  routes: readonly TypedRoute[],
  options: { open: boolean; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = protocolPaths() as Record<
    string,
    Record<string, unknown>
  >;
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = typedOperation(route, options.open);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Slotway HTTP API',
      version: options.version,
      description:
        'Redis Cluster behind one endpoint: the Upstash REST protocol, typed routes under /v1, cluster topology, and a WebSocket protocol.',
    },
    servers: [{ url: '/' }],
    security: options.open ? [] : [{ bearer: [] }, { queryToken: [] }],
    tags: [
      { name: 'upstash', description: 'Upstash REST protocol (works with @upstash/redis)' },
      { name: 'strings' },
      { name: 'hashes' },
      { name: 'lists' },
      { name: 'sets' },
      { name: 'sorted-sets' },
      { name: 'keys' },
      { name: 'cluster' },
      { name: 'health' },
      { name: 'websocket' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        queryToken: { type: 'apiKey', in: 'query', name: '_token' },
      },
      schemas: { Error: schemaOf(errorBody, 'output') },
    },
  };
}
