// A Lua script run by SHA1 with the NOSCRIPT fallback: EVALSHA first; a node that does not know the
// script answers NOSCRIPT without running anything, and then EVAL runs (and caches) it there.

import type { Arg } from './command.js';
import { SlotwayReplyError } from './errors.js';

export interface ScriptRunner {
  evalsha<T>(sha1: string, keys?: readonly Arg[], args?: readonly Arg[]): Promise<T>;
  eval<T>(script: string, keys?: readonly Arg[], args?: readonly Arg[]): Promise<T>;
  scriptLoad(script: string): Promise<string>;
}

export class Script<T = unknown> {
  private sha?: Promise<string>;

  constructor(
    private readonly runner: ScriptRunner,
    readonly source: string,
  ) {}

  /** Runs the script; all `keys` must hash to the same slot. */
  async exec(keys: readonly Arg[] = [], args: readonly Arg[] = []): Promise<T> {
    const sha = await this.sha1();
    try {
      return await this.runner.evalsha<T>(sha, keys, args);
    } catch (err) {
      if (err instanceof SlotwayReplyError && err.code === 'NOSCRIPT') {
        return this.runner.eval<T>(this.source, keys, args);
      }
      throw err;
    }
  }

  /** The script's SHA1: computed locally with WebCrypto, or from SCRIPT LOAD where it is missing. */
  sha1(): Promise<string> {
    this.sha ??= sha1Hex(this.source).then(
      (hex) => hex ?? this.runner.scriptLoad(this.source),
      () => this.runner.scriptLoad(this.source),
    );
    return this.sha;
  }
}

async function sha1Hex(text: string): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const digest = new Uint8Array(await subtle.digest('SHA-1', new TextEncoder().encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
