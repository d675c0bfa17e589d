// Sorted set commands. Scores are numbers (±Infinity included); range bounds may also be strings
// for exclusive (`'(1.5'`) or lexicographic (`'[a'`, `'-'`, `'+'`) bounds.

import { type Arg, makeCommand } from '../command.js';
import type { ResultKind } from './command-sink.js';
import {
  arrayOf,
  asInteger,
  asNullableInteger,
  asNullableScore,
  asScore,
  asScoredMembers,
  asStrings,
  type ScoredMember,
} from './reply-types.js';
import { SetCommands } from './sets.js';

export interface ZAddOptions {
  /** Only add new members. */
  nx?: boolean;
  /** Only update existing members. */
  xx?: boolean;
  /** Only update when the new score is greater. */
  gt?: boolean;
  /** Only update when the new score is less. */
  lt?: boolean;
  /** Count changed members, not only added ones. */
  ch?: boolean;
}

export interface ZRangeOptions {
  /** Range by score or lexicographically instead of by rank. */
  by?: 'score' | 'lex';
  /** Highest first; with `by`, pass the bounds as (max, min). */
  rev?: boolean;
  /** With `by`: skip `offset` elements, return at most `count`. */
  limit?: { offset: number; count: number };
}

export type ScoreBound = number | string;

function zrangeArgs(key: Arg, start: ScoreBound, stop: ScoreBound, options: ZRangeOptions): Arg[] {
  const args: Arg[] = ['ZRANGE', key, start, stop];
  if (options.by === 'score') args.push('BYSCORE');
  if (options.by === 'lex') args.push('BYLEX');
  if (options.rev) args.push('REV');
  if (options.limit) args.push('LIMIT', options.limit.offset, options.limit.count);
  return args;
}

export abstract class SortedSetCommands<K extends ResultKind, Acc extends unknown[] = []> extends SetCommands<
  K,
  Acc
> {
  /** Number of members added (or changed, with `ch`). */
  zadd(key: Arg, members: ScoredMember | readonly ScoredMember[], options: ZAddOptions = {}) {
    const args: Arg[] = ['ZADD', key];
    if (options.nx) args.push('NX');
    if (options.xx) args.push('XX');
    if (options.gt) args.push('GT');
    if (options.lt) args.push('LT');
    if (options.ch) args.push('CH');
    for (const { member, score } of Array.isArray(members) ? members : [members as ScoredMember]) {
      args.push(score, member);
    }
    return this.send(makeCommand(args, asInteger));
  }

  /** The member's new score. */
  zincrby(key: Arg, increment: number, member: Arg) {
    return this.send(makeCommand(['ZINCRBY', key, increment, member], asScore));
  }

  /** Members by rank (default), score or lex range. */
  zrange(key: Arg, start: ScoreBound, stop: ScoreBound, options: ZRangeOptions = {}) {
    return this.send(makeCommand(zrangeArgs(key, start, stop, options), asStrings));
  }

  /** Like zrange, with scores. */
  zrangeWithScores(key: Arg, start: ScoreBound, stop: ScoreBound, options: ZRangeOptions = {}) {
    const args = zrangeArgs(key, start, stop, options);
    args.push('WITHSCORES');
    return this.send(makeCommand(args, asScoredMembers));
  }

  /** The member's score, or null when it is not in the set. */
  zscore(key: Arg, member: Arg) {
    return this.send(makeCommand(['ZSCORE', key, member], asNullableScore));
  }

  zmscore(key: Arg, ...members: Arg[]) {
    return this.send(makeCommand(['ZMSCORE', key, ...members], arrayOf(asNullableScore)));
  }

  /** 0-based rank by ascending score, or null. */
  zrank(key: Arg, member: Arg) {
    return this.send(makeCommand(['ZRANK', key, member], asNullableInteger));
  }

  zrevrank(key: Arg, member: Arg) {
    return this.send(makeCommand(['ZREVRANK', key, member], asNullableInteger));
  }

  zrem(key: Arg, ...members: Arg[]) {
    return this.send(makeCommand(['ZREM', key, ...members], asInteger));
  }

  zcard(key: Arg) {
    return this.send(makeCommand(['ZCARD', key], asInteger));
  }

  zcount(key: Arg, min: ScoreBound, max: ScoreBound) {
    return this.send(makeCommand(['ZCOUNT', key, min, max], asInteger));
  }

  zpopmin(key: Arg, count = 1) {
    return this.send(makeCommand(['ZPOPMIN', key, count], asScoredMembers));
  }

  zpopmax(key: Arg, count = 1) {
    return this.send(makeCommand(['ZPOPMAX', key, count], asScoredMembers));
  }

  zremrangebyscore(key: Arg, min: ScoreBound, max: ScoreBound) {
    return this.send(makeCommand(['ZREMRANGEBYSCORE', key, min, max], asInteger));
  }
}
