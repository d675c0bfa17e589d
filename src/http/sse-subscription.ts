// Upstash-style subscriptions over server-sent events: `/subscribe/{channel}` and
// `/psubscribe/{pattern}` (several names as further path segments). Each event is one `data:` line
// the SDK splits at commas: `subscribe,<channel>,<count>`, `message,<channel>,<payload>`,
// `pmessage,<pattern>,<channel>,<payload>`. Payloads are raw text: the SDK never base64-decodes them.

import { percentDecode } from './command-input.js';
import type { CommandRunner } from './command-runner.js';
import type { GatewayLink } from './gateway-link.js';
import type { HttpContext } from './http-context.js';
import { badRequest, forbidden, redisError } from './http-errors.js';
import {
  type PubSubEvent,
  SubscriberStream,
  SubscriptionError,
  type SubscriptionKind,
} from './subscriber-stream.js';

const HEARTBEAT_MS = 15_000;
/** A reader this far behind is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** One SSE event; a payload with line breaks spans several `data:` lines, as SSE requires. */
export function sseEvent(event: PubSubEvent): string {
  let data: string;
  switch (event.type) {
    case 'message':
    case 'smessage':
      data = `${event.type},${event.channel.toString('utf8')},${event.message.toString('utf8')}`;
      break;
    case 'pmessage':
      data = `pmessage,${event.pattern.toString('utf8')},${event.channel.toString('utf8')},${event.message.toString('utf8')}`;
      break;
    default:
      data = `${event.type},${event.channel?.toString('utf8') ?? ''},${event.count}`;
  }
  return `data: ${data.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`;
}

export async function serveSubscription(
  ctx: HttpContext,
  runner: CommandRunner,
  link: GatewayLink,
  kind: SubscriptionKind,
  rawNames: string,
): Promise<void> {
  const names = rawNames
    .split('/')
    .filter((s) => s !== '')
    .map((s) => percentDecode(s));
  if (names.length === 0)
    throw badRequest(`name the ${kind === 'pattern' ? 'pattern' : 'channel'} in the path`);
  const command = kind === 'pattern' ? 'psubscribe' : 'subscribe';
  const refusal = runner.scopeRefusal(ctx.principal, [Buffer.from(command), ...names]);
  if (refusal !== null) throw forbidden(refusal.replace(/^NOPERM /, ''));
  // A POST from the SDK carries a body (`[]`) that means nothing here.
  if (ctx.method === 'POST') await ctx.body();

  const { req, res } = ctx;
  const stream = await SubscriberStream.open(link);
  const early: string[] = [];
  let started = false;
  const write = (text: string) => {
    if (!started) {
      early.push(text);
      return;
    }
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      stream.close();
      res.destroy();
    }
  };
  stream.onEvent = (event) => write(sseEvent(event));
  const onGone = () => stream.close();
  req.on('close', onGone);
  res.on('close', onGone);
  stream.onEnd = () => res.end();
  try {
    await stream.subscribe(kind, names);
  } catch (err) {
    stream.close();
    if (err instanceof SubscriptionError) throw redisError(err.message);
    throw err;
  }
  res.writeHead(200, {
    ...ctx.headers,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  started = true;
  for (const text of early.splice(0)) res.write(text);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  res.on('close', () => clearInterval(heartbeat));
}
