// What can go wrong when talking to Slotway, as three distinguishable cases: the server answered with
// an error (a Redis error reply or an HTTP refusal), no answer arrived (so a write may or may not have
// run), or some commands of a pipeline failed.

/** Base class of every error the SDK throws. */
export class SlotwayError extends Error {
  override name = 'SlotwayError';
}

/**
 * The server answered with an error. For a Redis error reply `message` is the server's text
 * unchanged (`WRONGTYPE …`, `NOSCRIPT …`) and `code` its first word; when the whole HTTP request was
 * refused (401, 403, 429, 5xx) `status` is the HTTP status as well.
 */
export class SlotwayReplyError extends SlotwayError {
  override name = 'SlotwayReplyError';
  readonly code: string;
  constructor(
    message: string,
    readonly status?: number,
    code?: string,
    /** Milliseconds the server asked to wait before retrying (HTTP Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.code = code ?? errorCode(message);
  }
}

/**
 * No answer arrived: the network failed, the request timed out, or the WebSocket closed. When
 * `mayHaveExecuted` is true the server may have run the command; the SDK never re-sends such a
 * command unless it is idempotent or the caller opted in.
 */
export class SlotwayConnectionError extends SlotwayError {
  override name = 'SlotwayConnectionError';
  constructor(
    message: string,
    readonly mayHaveExecuted: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One command's outcome inside a pipeline or transaction. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: SlotwayError };

/** `exec()` of a pipeline or transaction in which at least one command failed. */
export class SlotwayPipelineError extends SlotwayError {
  override name = 'SlotwayPipelineError';
  constructor(
    /** Every command's outcome, in order. */
    readonly results: readonly Settled<unknown>[],
  ) {
    const failed = results.filter((r) => !r.ok);
    const first = failed[0];
    super(
      `${failed.length} of ${results.length} commands failed; first: ${first && !first.ok ? first.error.message : ''}`,
    );
  }
}

/** The Redis error prefix (`ERR`, `WRONGTYPE`, `NOSCRIPT`, …) of an error text. */
export function errorCode(text: string): string {
  const space = text.indexOf(' ');
  const word = space < 0 ? text : text.slice(0, space);
  return /^[A-Z][A-Z_-]*$/.test(word) ? word : 'ERR';
}
