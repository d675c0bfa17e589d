// The WebSocket the client drives: the runtime's global WebSocket (browsers, Deno, Bun, edge
// workers, Node 22+), one passed in by the caller, or on Node 20 the `ws` package, loaded lazily so
// that bundles for other runtimes never include it.

/** The part of the WHATWG WebSocket interface the client uses (`ws` provides it too). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // Handler parameters are `never` so that any runtime's WebSocket (whatever its event types) fits.
  onopen: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const OPEN = 1;

/** The WebSocket constructor to use: the caller's, the global one, or the `ws` package. */
export async function resolveWebSocket(
  given: WebSocketConstructor | undefined,
): Promise<WebSocketConstructor> {
  if (given) return given;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  // A computed specifier keeps bundlers from pulling `ws` into browser builds.
  const specifier = 'ws';
  try {
    const module = (await import(/* @vite-ignore */ specifier)) as {
      default?: WebSocketConstructor;
      WebSocket?: WebSocketConstructor;
    };
    const ctor = module.WebSocket ?? module.default;
    if (typeof ctor === 'function') return ctor;
  } catch {
    // Reported below.
  }
  throw new TypeError(
    'no WebSocket implementation: this runtime has no global WebSocket; install the `ws` package ' +
      '(npm install ws) or pass the `WebSocket` option',
  );
}

/** The text of a message event's data (`ws` may hand over a Buffer, browsers a string). */
export function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data))
    return new TextDecoder().decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return undefined;
}

/** `ws(s)://host/…/ws?token=…` from an http(s) base URL or a ws(s) URL. */
export function socketUrl(url: string, token: string | undefined): string {
  let base = url;
  if (/^https?:\/\//i.test(base)) {
    base = base.replace(/^http/i, 'ws').replace(/\/+$/, '');
    const parsed = new URL(base);
    if (!parsed.pathname.endsWith('/ws')) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/ws`;
    base = parsed.toString();
  }
  if (!/^wss?:\/\//i.test(base))
    throw new TypeError(`WebSocket url must be ws(s):// or http(s)://, got "${url}"`);
  if (token === undefined) return base;
  const parsed = new URL(base);
  parsed.searchParams.set('token', token);
  return parsed.toString();
}
