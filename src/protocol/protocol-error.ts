// Protocol violations found while scanning bytes. The message is Redis's own wording where Redis has
// one, so a client sees the same `-ERR Protocol error: ...` it would get from redis-server.

export type ProtocolErrorCode =
  | 'INVALID_MULTIBULK_LENGTH'
  | 'INVALID_BULK_LENGTH'
  | 'EXPECTED_BULK'
  | 'TOO_BIG_INLINE'
  | 'TOO_BIG_MBULK_COUNT'
  | 'TOO_BIG_BULK_COUNT'
  | 'UNBALANCED_QUOTES'
  | 'INVALID_TYPE_BYTE'
  | 'INVALID_INTEGER'
  | 'INVALID_DOUBLE'
  | 'INVALID_BOOLEAN'
  | 'MISSING_CRLF'
  | 'TOO_DEEP'
  | 'TOO_BIG_LINE';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    detail: string,
  ) {
    super(`Protocol error: ${detail}`);
  }

  /** The reply line a client gets before its connection is closed. */
  toReply(): string {
    return `ERR ${this.message}`;
  }
}
