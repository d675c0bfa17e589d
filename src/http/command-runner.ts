// Runs commands for HTTP and WebSocket callers: checks each against the caller's scope and the
// transport, then sends it over the gateway link — shared connections for ordinary commands and
// pipelines, a dedicated one for transactions and blocking commands. Replies come back as RESP
// values, error replies included; refusals are error values too, so a pipeline answers per command.

import type { CommandTable } from '../commands/command-table.js';
import { errorText, isErrorValue, type RespValue, resp } from '../protocol/resp-value.js';
import type { Principal } from './api-tokens.js';
import { isBlocking, scopeRefusal, transportRefusal } from './command-policy.js';
import type { GatewayLink } from './gateway-link.js';
import { forbidden, type HttpError, redisError } from './http-errors.js';

/** The outcome of MULTI ... EXEC. */
export interface TransactionResult {
  /** EXEC's reply: an array of replies, null when a WATCH aborted it, or EXECABORT. */
  readonly exec: RespValue;
  /** Queue-time errors, by command index, that made EXEC answer EXECABORT. */
  readonly queueErrors: ReadonlyArray<{ index: number; error: string }>;
}

const MULTI = [Buffer.from('MULTI')];
const EXEC = [Buffer.from('EXEC')];

export class CommandRunner {
  constructor(
    private readonly link: GatewayLink,
    private readonly commands: () => CommandTable,
  ) {}

  /** Why `args` may not run for `principal` here (scope or transport), or null. */
  refusal(principal: Principal, args: readonly Buffer[]): string | null {
    if (args.length === 0) return 'ERR empty command';
    const entry = this.commands().resolve(args);
    return transportRefusal(entry) ?? scopeRefusal(principal, entry, args);
  }

  /** Why the principal's scope does not allow `args` (transport aside), or null. */
  scopeRefusal(principal: Principal, args: readonly Buffer[]): string | null {
    return scopeRefusal(principal, this.commands().resolve(args), args);
  }

  /**
   * Runs one command; a refusal throws (403 NOPERM for the scope, 400 for the transport).
   * `abandoned` fires when the caller went away: a blocking command still waiting then gives up its
   * connection.
   */
  async run(principal: Principal, args: readonly Buffer[], abandoned?: AbortSignal): Promise<RespValue> {
    const refusal = this.refusal(principal, args);
    if (refusal !== null) throw refusalError(refusal);
    const blocking = isBlocking(this.commands().resolve(args), args);
    const replies = blocking ? await this.onDedicated([args], abandoned) : await this.link.batch([args]);
    return replies[0]!;
  }

  /** Runs commands as one pipeline; each reply (or refusal) in order. */
  async pipeline(
    principal: Principal,
    commands: ReadonlyArray<readonly Buffer[]>,
    abandoned?: AbortSignal,
  ): Promise<RespValue[]> {
    const replies: Array<RespValue | null> = new Array(commands.length).fill(null);
    const allowed: Array<readonly Buffer[]> = [];
    const positions: number[] = [];
    let blocking = false;
    const table = this.commands();
    for (let i = 0; i < commands.length; i++) {
      const args = commands[i]!;
      const refusal = this.refusal(principal, args);
      if (refusal !== null) {
        replies[i] = resp.error(refusal);
        continue;
      }
      blocking ||= isBlocking(table.resolve(args), args);
      allowed.push(args);
      positions.push(i);
    }
    if (allowed.length > 0) {
      const answered = blocking ? await this.onDedicated(allowed, abandoned) : await this.link.batch(allowed);
      for (let j = 0; j < positions.length; j++) replies[positions[j]!] = answered[j]!;
    }
    return replies as RespValue[];
  }

  /**
   * Runs commands atomically (MULTI ... EXEC) on a dedicated connection. A command the scope refuses
   * refuses the whole transaction (403) before anything is sent.
   */
  async transaction(
    principal: Principal,
    commands: ReadonlyArray<readonly Buffer[]>,
    abandoned?: AbortSignal,
  ): Promise<TransactionResult> {
    for (let i = 0; i < commands.length; i++) {
      const refusal = this.refusal(principal, commands[i]!);
      if (refusal === null) continue;
      throw refusalError(`${refusal} (command ${i + 1} of the transaction)`);
    }
    const replies = await this.onDedicated([MULTI, ...commands, EXEC], abandoned);
    const queueErrors: Array<{ index: number; error: string }> = [];
    if (isErrorValue(replies[0]!)) return { exec: replies[0]!, queueErrors };
    for (let i = 1; i <= commands.length; i++) {
      const queued = replies[i]!;
      if (isErrorValue(queued)) queueErrors.push({ index: i - 1, error: errorText(queued) });
    }
    return { exec: replies[replies.length - 1]!, queueErrors };
  }

  private async onDedicated(
    commands: ReadonlyArray<readonly Buffer[]>,
    abandoned: AbortSignal | undefined,
  ): Promise<RespValue[]> {
    const conn = await this.link.acquire();
    let clean = false;
    // Closing the connection ends a BLPOP 0 whose caller left; it is not reused then.
    const giveUp = () => conn.close();
    abandoned?.addEventListener('abort', giveUp, { once: true });
    try {
      const replies = await conn.sendBatch(commands);
      clean = true;
      return replies;
    } finally {
      abandoned?.removeEventListener('abort', giveUp);
      this.link.release(conn, clean);
    }
  }
}

/** A refusal as an HttpError: 403 for the token scope (NOPERM), 400 for anything else. */
export function refusalError(refusal: string): HttpError {
  if (refusal.startsWith('NOPERM ')) return forbidden(refusal.slice('NOPERM '.length));
  return redisError(refusal);
}

/** EXEC's error, naming the commands whose queue-time errors aborted it. */
export function transactionErrorText(
  exec: RespValue,
  queueErrors: ReadonlyArray<{ index: number; error: string }>,
  commands: ReadonlyArray<readonly Buffer[]>,
): string {
  const text = isErrorValue(exec) ? errorText(exec) : 'EXECABORT Transaction aborted';
  if (queueErrors.length === 0) return text;
  const causes = queueErrors.map(
    ({ index, error }) => `command ${index + 1} (${commands[index]?.[0]?.toString('utf8') ?? '?'}): ${error}`,
  );
  return `${text.replace(/\.$/, '')}: ${causes.join('; ')}`;
}
