// Commands over the Upstash-compatible REST protocol: one command is `POST /`, several are
// `POST /pipeline`, a transaction is `POST /multi-exec`. Each attempt sends the commands still
// pending; after a failure, only the commands that may safely run twice are sent again. A command
// with non-UTF-8 arguments cannot be JSON, so it goes alone as an Upstash path-style command
// (`POST /SET/<percent-encoded key>` with the raw value as the body), which is binary-safe.

import type { Command } from './command.js';
import { type Settled, SlotwayConnectionError, SlotwayError, SlotwayReplyError } from './errors.js';
import { settleEntries, settleEntry } from './reply-mapping.js';
import { backoffDelay, parseRetryAfter, type RetryPolicy, sleep } from './retry.js';

/** The part of `fetch` the SDK uses; the global fetch of any runtime fits. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array<ArrayBuffer>;
    signal?: AbortSignal;
  },
) => Promise<ResponseLike>;

export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface RestTransportOptions {
  /** Base URL, e.g. `https://slotway.example.com` or `http://127.0.0.1:8080/prefix`. */
  url: string;
  token?: string;
  fetch: FetchLike;
  /** Ask for base64-encoded strings (binary-safe replies). */
  base64: boolean;
  retry: RetryPolicy;
  /** Per-attempt timeout; 0 for none. */
  timeoutMs: number;
  headers?: Record<string, string>;
}

/** A batch runs as independent commands; a transaction runs all-or-nothing. */
export type BatchMode = 'batch' | 'transaction';

/** Either the server answered (each command settled), or the request failed as a whole. */
type Attempt =
  | { kind: 'answered'; settled: Settled<unknown>[] }
  | { kind: 'failed'; error: SlotwayError; executed: 'no' | 'maybe'; retryAfterMs?: number };

export class RestTransport {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: RestTransportOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', ...options.headers };
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
    if (options.base64) this.headers['upstash-encoding'] = 'base64';
  }

  /** Runs `commands`; resolves to each command's outcome, never rejects. */
  async run(commands: readonly Command<unknown>[], mode: BatchMode): Promise<Settled<unknown>[]> {
    if (!commands.some((c) => c.binary)) return this.runRequest(commands, mode);
    if (mode === 'transaction') {
      const error = new SlotwayError(
        'ERR a transaction over REST carries its arguments as JSON strings; non-UTF-8 byte arguments ' +
          'cannot be part of it (send those commands on their own)',
      );
      return commands.map(() => ({ ok: false, error }));
    }
    // Order is kept: runs of JSON commands go as one request each, binary commands alone, in turn.
    const settled: Settled<unknown>[] = [];
    let start = 0;
    for (let i = 0; i <= commands.length; i++) {
      if (i < commands.length && !commands[i]!.binary) continue;
      if (i > start) settled.push(...(await this.runRequest(commands.slice(start, i), mode)));
      if (i < commands.length) settled.push(...(await this.runRequest([commands[i]!], mode)));
      start = i + 1;
    }
    return settled;
  }

  private async runRequest(
    commands: readonly Command<unknown>[],
    mode: BatchMode,
  ): Promise<Settled<unknown>[]> {
    const policy = this.options.retry;
    const settled = new Array<Settled<unknown>>(commands.length);
    let pending = commands.map((_, i) => i);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(
        pending.map((i) => commands[i]!),
        mode,
      );
      if (outcome.kind === 'answered') {
        pending.forEach((index, j) => {
          settled[index] = outcome.settled[j]!;
        });
        return settled;
      }
      const again = attempt < policy.attempts && (outcome.retryAfterMs ?? 0) <= policy.maxRetryAfterMs;
      const mayResend = (c: Command<unknown>) =>
        outcome.executed === 'no' || c.idempotent || policy.retryNonIdempotent;
      // A transaction is resent whole or not at all.
      const resend =
        mode === 'transaction'
          ? again && pending.every((i) => mayResend(commands[i]!))
            ? pending
            : []
          : again
            ? pending.filter((i) => mayResend(commands[i]!))
            : [];
      const resent = new Set(resend);
      for (const i of pending) if (!resent.has(i)) settled[i] = { ok: false, error: outcome.error };
      if (resend.length === 0) return settled;
      pending = resend;
      await sleep(backoffDelay(policy, attempt, outcome.retryAfterMs));
    }
  }

  /** GET of a JSON document (cluster admin, health), retried like a read. */
  async getJson(path: string): Promise<unknown> {
    const policy = this.options.retry;
    for (let attempt = 1; ; attempt++) {
      const response = await this.request('GET', path, undefined);
      if (response.kind === 'answered') {
        if (response.status >= 200 && response.status < 300) return response.body;
        const failure = httpFailure(response.status, response.body, response.retryAfterMs);
        if (failure.kind === 'final' || attempt >= policy.attempts) throw failure.error;
        await sleep(backoffDelay(policy, attempt, response.retryAfterMs));
        continue;
      }
      if (attempt >= policy.attempts) throw response.error;
      await sleep(backoffDelay(policy, attempt));
    }
  }

  private async attempt(commands: readonly Command<unknown>[], mode: BatchMode): Promise<Attempt> {
    const single = mode === 'batch' && commands.length === 1;
    let response: Awaited<ReturnType<RestTransport['request']>>;
    if (single && commands[0]!.binary) {
      const request = pathStyleRequest(commands[0]!.binary);
      if (typeof request === 'string') {
        return { kind: 'answered', settled: [{ ok: false, error: new SlotwayError(request) }] };
      }
      response = await this.request('POST', request.path, request.body);
    } else {
      const path = mode === 'transaction' ? '/multi-exec' : single ? '/' : '/pipeline';
      const body = single ? commands[0]!.args : commands.map((c) => c.args);
      response = await this.request('POST', path, JSON.stringify(body));
    }
    if (response.kind === 'failed') return { kind: 'failed', error: response.error, executed: 'maybe' };
    const { status, retryAfterMs } = response;
    const base64 = this.options.base64;
    if (status >= 200 && status < 300) {
      const settled = single
        ? [settleEntry(commands[0]!, response.body, base64)]
        : settleEntries(commands, response.body, base64);
      return { kind: 'answered', settled };
    }
    // A single command's Redis error comes back as 400 {"error": "..."}: that is its reply.
    if (single && status === 400)
      return { kind: 'answered', settled: [settleEntry(commands[0]!, response.body, base64)] };
    const failure = httpFailure(status, response.body, retryAfterMs);
    if (failure.kind === 'final') {
      return { kind: 'answered', settled: commands.map(() => ({ ok: false, error: failure.error })) };
    }
    return {
      kind: 'failed',
      error: failure.error,
      executed: failure.kind === 'refused' ? 'no' : 'maybe',
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: string | Uint8Array<ArrayBuffer> | undefined,
  ): Promise<
    | { kind: 'answered'; status: number; body: unknown; retryAfterMs: number | undefined }
    | { kind: 'failed'; error: SlotwayConnectionError }
  > {
    const timeoutMs = this.options.timeoutMs;
    const controller = timeoutMs > 0 ? new AbortController() : undefined;
    const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
    try {
      const headers =
        body instanceof Uint8Array
          ? { ...this.headers, 'content-type': 'application/octet-stream' }
          : this.headers;
      const response = await this.options.fetch(this.baseUrl + path, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(controller ? { signal: controller.signal } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page, say): keep the text for the error message.
      }
      return {
        kind: 'answered',
        status: response.status,
        body: parsed,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      };
    } catch (err) {
      const timedOut = controller?.signal.aborted === true;
      const message = timedOut
        ? `no answer from ${this.baseUrl}${path} within ${timeoutMs} ms`
        : `request to ${this.baseUrl}${path} failed: ${describeFailure(err)}`;
      return { kind: 'failed', error: new SlotwayConnectionError(message, true, { cause: err }) };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}

/** A fetch failure's message, with the underlying cause where the runtime gives one (Node: ECONNREFUSED …). */
function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}

/**
 * What a non-2xx answer means for retrying: `refused` (429: nothing ran, safe to send again),
 * `unavailable` (5xx: the command may have run), `final` (401, 403, 400, …: sending again won't help).
 */
function httpFailure(
  status: number,
  body: unknown,
  retryAfterMs: number | undefined,
): { kind: 'refused' | 'unavailable' | 'final'; error: SlotwayReplyError } {
  const isObject = body !== null && typeof body === 'object';
  const text =
    isObject && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : `ERR HTTP ${status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
  const code =
    isObject && typeof (body as { code?: unknown }).code === 'string'
      ? (body as { code: string }).code
      : undefined;
  const error = new SlotwayReplyError(text, status, code, retryAfterMs);
  if (status === 429) return { kind: 'refused', error };
  if (status >= 500) return { kind: 'unavailable', error };
  return { kind: 'final', error };
}

/**
 * An Upstash path-style request for a command with binary arguments: every argument but the last as
 * a percent-encoded path segment, the last one as the raw body. The command name is upper-cased so it
 * cannot collide with the server's own lower-case routes (`/pipeline`, `/cluster/…`). A string (the
 * error) when the command cannot be expressed: the server drops an empty last segment and an empty
 * body, and URL parsers fold `.` / `..` segments.
 */
export function pathStyleRequest(
  args: readonly Uint8Array[],
): { path: string; body: Uint8Array<ArrayBuffer> } | string {
  const last = args[args.length - 1];
  if (args.length < 2 || last === undefined || last.length === 0 || args[args.length - 2]!.length === 0) {
    return 'ERR a command with non-UTF-8 arguments must end with two non-empty arguments to travel binary-safe';
  }
  let path = '';
  for (let i = 0; i < args.length - 1; i++) {
    const segment = percentEncode(args[i]!);
    if (segment === '.' || segment === '..')
      return `ERR the argument "${segment}" cannot travel in a URL path`;
    path += `/${i === 0 ? segment.toUpperCase() : segment}`;
  }
  const body = new Uint8Array(last.length);
  body.set(last);
  return { path, body };
}

const HEX = '0123456789ABCDEF';

/** Percent-encodes every byte outside the URL's unreserved set (RFC 3986). */
export function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x2e ||
      byte === 0x5f ||
      byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}
