// The Upstash REST protocol, as the unmodified @upstash/redis SDK speaks it: `POST /` with a JSON
// command, `/pipeline` and `/multi-exec` with arrays of commands, path-style commands
// (`/set/foo/bar?EX=100`), `Upstash-Encoding: base64` and the `upstash-sync-token` echo.
// Redis errors keep their text (the SDK looks for NOSCRIPT) and answer 400, as Upstash documents.

import { errorText, isErrorValue } from '../protocol/resp-value.js';
import { commandFromJson, commandFromPath, commandsFromJson, parseJson } from './command-input.js';
import { type CommandRunner, transactionErrorText } from './command-runner.js';
import type { GatewayLink } from './gateway-link.js';
import { type Handler, type HttpContext, sendJson } from './http-context.js';
import { asHttpError, errorBody, HttpError, redisError } from './http-errors.js';
import { resultEnvelope } from './resp-json.js';
import type { Router } from './router.js';
import { serveSubscription } from './sse-subscription.js';

/** Methods Upstash accepts for commands; anything else is 405. */
export const COMMAND_METHODS = ['GET', 'HEAD', 'POST', 'PUT'] as const;

function wantsBase64(ctx: HttpContext): boolean {
  const value = ctx.req.headers['upstash-encoding'];
  return typeof value === 'string' && value.trim().toLowerCase() === 'base64';
}

/** The sync token the SDK sends for read-your-writes, echoed back unchanged. */
function syncHeaders(ctx: HttpContext): Record<string, string> {
  const token = ctx.req.headers['upstash-sync-token'];
  return typeof token === 'string' ? { 'upstash-sync-token': token } : {};
}

/**
 * `handler`, with the sync token echoed on the errors it throws too. Those (a body that is not JSON,
 * 405, 413, ...) are answered by the server's generic error path, which knows only the CORS headers,
 * so without this such a 400 dropped the token that docs/http-api.md promises on every response.
 */
function echoingSync(handler: Handler): Handler {
  return async (ctx) => {
    try {
      await handler(ctx);
    } catch (err) {
      const sync = syncHeaders(ctx);
      if (!('upstash-sync-token' in sync)) throw err;
      const httpError = asHttpError(err);
      const echoed = new HttpError(httpError.status, httpError.code, httpError.message, {
        ...httpError.headers,
        ...sync,
      });
      // The server logs a 5xx with its error: keep the original (and its stack) reachable.
      echoed.cause = err;
      throw echoed;
    }
  };
}

export function addUpstashRoutes(router: Router<Handler>, runner: CommandRunner, link: GatewayLink): void {
  /** A command route: it echoes the sync token on every response, errors included. */
  const command = (methods: readonly string[], pattern: string, handler: Handler) =>
    router.add(methods, pattern, echoingSync(handler));

  const single = async (ctx: HttpContext, args: Buffer[]) => {
    const reply = await runner.run(ctx.principal, args, ctx.abandoned);
    if (isErrorValue(reply)) {
      sendJson(ctx, 400, errorBody(redisError(errorText(reply))), syncHeaders(ctx));
      return;
    }
    sendJson(ctx, 200, resultEnvelope(reply, wantsBase64(ctx)), syncHeaders(ctx));
  };

  const onlyPost = (ctx: HttpContext, what: string) => {
    if (ctx.method !== 'POST' && ctx.method !== 'PUT') {
      throw new HttpError(
        405,
        'METHOD_NOT_ALLOWED',
        `ERR ${what} takes POST with a JSON array of commands in the body`,
        { allow: 'POST, PUT' },
      );
    }
  };

  command(['POST', 'PUT'], '/', async (ctx) => {
    const body = await ctx.body();
    await single(
      ctx,
      commandFromJson(parseJson(body.toString('utf8'), 'request body'), 'utf8', 'request body'),
    );
  });

  router.add(['GET', 'HEAD'], '/', async (ctx) => {
    sendJson(
      ctx,
      200,
      JSON.stringify({
        name: 'slotway',
        api: 'Upstash-compatible REST, typed /v1 routes, WebSocket /ws',
        docs: '/openapi.json',
      }),
    );
  });

  command([...COMMAND_METHODS, 'DELETE'], '/pipeline', async (ctx) => {
    onlyPost(ctx, '/pipeline');
    const commands = commandsFromJson(parseJson((await ctx.body()).toString('utf8'), 'request body'));
    const replies = await runner.pipeline(ctx.principal, commands, ctx.abandoned);
    const base64 = wantsBase64(ctx);
    sendJson(ctx, 200, `[${replies.map((r) => resultEnvelope(r, base64)).join(',')}]`, syncHeaders(ctx));
  });

  command([...COMMAND_METHODS, 'DELETE'], '/multi-exec', async (ctx) => {
    onlyPost(ctx, '/multi-exec');
    const commands = commandsFromJson(
      parseJson((await ctx.body()).toString('utf8'), 'request body'),
      'utf8',
      'transaction',
    );
    const { exec, queueErrors } = await runner.transaction(ctx.principal, commands, ctx.abandoned);
    if (exec.type === 'array') {
      const base64 = wantsBase64(ctx);
      sendJson(ctx, 200, `[${exec.value.map((r) => resultEnvelope(r, base64)).join(',')}]`, syncHeaders(ctx));
      return;
    }
    const text = transactionErrorText(exec, queueErrors, commands);
    const err = redisError(text);
    sendJson(
      ctx,
      400,
      JSON.stringify({
        error: text,
        code: err.code,
        ...(queueErrors.length > 0 ? { commandErrors: queueErrors } : {}),
      }),
      syncHeaders(ctx),
    );
  });

  router.add(['GET', 'POST'], '/subscribe/{channels*}', (ctx) =>
    serveSubscription(ctx, runner, link, 'channel', ctx.params.channels!),
  );
  router.add(['GET', 'POST'], '/psubscribe/{patterns*}', (ctx) =>
    serveSubscription(ctx, runner, link, 'pattern', ctx.params.patterns!),
  );

  command(COMMAND_METHODS, '/{command*}', async (ctx) => {
    const body = ctx.method === 'POST' || ctx.method === 'PUT' ? await ctx.body() : null;
    await single(ctx, commandFromPath(ctx.pathname, ctx.rawQuery, body));
  });
}
