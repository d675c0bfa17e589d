// Which commands may be sent again when no answer arrived. A retry after a lost answer can run a
// command twice, so only commands whose second run leaves the data as the first did qualify: reads,
// and a short, conservative list of writes. Everything else (INCR, LPUSH, EVAL, PUBLISH, …) is sent
// once unless the caller opts in.

/** Commands that only read. */
const READS = words(`
  GET MGET STRLEN GETRANGE SUBSTR LCS GETBIT BITCOUNT BITPOS BITFIELD_RO EXISTS TTL PTTL
  EXPIRETIME PEXPIRETIME TYPE SCAN KEYS RANDOMKEY DBSIZE DUMP TOUCH OBJECT MEMORY SORT_RO HGET
  HMGET HGETALL HKEYS HVALS HLEN HEXISTS HSTRLEN HSCAN HRANDFIELD HTTL HPTTL HEXPIRETIME
  HPEXPIRETIME LRANGE LINDEX LLEN LPOS SMEMBERS SISMEMBER SMISMEMBER SCARD SRANDMEMBER SSCAN
  SINTER SUNION SDIFF SINTERCARD ZRANGE ZRANGEBYSCORE ZRANGEBYLEX ZREVRANGE ZREVRANGEBYSCORE
  ZREVRANGEBYLEX ZSCORE ZMSCORE ZRANK ZREVRANK ZCARD ZCOUNT ZLEXCOUNT ZSCAN ZRANDMEMBER ZINTER
  ZUNION ZDIFF ZINTERCARD XRANGE XREVRANGE XLEN XINFO XPENDING PFCOUNT GEOPOS GEODIST GEOHASH
  GEOSEARCH GEORADIUS_RO GEORADIUSBYMEMBER_RO EVAL_RO EVALSHA_RO FCALL_RO PING ECHO TIME INFO
  COMMAND LASTSAVE PUBSUB
`);

/** Writes whose repetition leaves the same data (their reply may differ: DEL counts 0 the 2nd time). */
const IDEMPOTENT_WRITES = words(`
  MSET HSET HMSET DEL UNLINK EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST SADD SREM ZREM HDEL SETEX
  PSETEX
`);

function words(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter(Boolean));
}

/** Subcommands that only read, for container commands. */
const READ_SUBCOMMANDS: Readonly<Record<string, ReadonlySet<string>>> = {
  SCRIPT: new Set(['EXISTS']),
  CLUSTER: new Set(['INFO', 'NODES', 'SLOTS', 'SHARDS', 'KEYSLOT', 'COUNTKEYSINSLOT', 'MYID']),
  CONFIG: new Set(['GET']),
  CLIENT: new Set(['INFO', 'LIST', 'GETNAME', 'ID']),
  FUNCTION: new Set(['LIST', 'DUMP', 'STATS']),
};

/** SET options that make a retried SET answer differently in a way callers act on (locks, old value). */
const SET_UNSAFE_OPTIONS = new Set(['NX', 'GET', 'IFEQ']);

const ZADD_OPTIONS = new Set(['NX', 'XX', 'GT', 'LT', 'CH']);

/** True when `args` (command name first) only reads. */
export function isReadOnly(args: readonly string[]): boolean {
  const name = (args[0] ?? '').toUpperCase();
  if (READS.has(name)) return true;
  const subcommands = READ_SUBCOMMANDS[name];
  return subcommands?.has((args[1] ?? '').toUpperCase()) === true;
}

/** True when sending `args` twice leaves the data as sending it once (reads included). */
export function isIdempotent(args: readonly string[]): boolean {
  if (isReadOnly(args)) return true;
  const name = (args[0] ?? '').toUpperCase();
  if (IDEMPOTENT_WRITES.has(name)) return true;
  if (name === 'SET') {
    // SET key value [options…]: options start at index 3.
    for (let i = 3; i < args.length; i++) if (SET_UNSAFE_OPTIONS.has(args[i]!.toUpperCase())) return false;
    return true;
  }
  if (name === 'ZADD') {
    // ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member …: with INCR it behaves like ZINCRBY.
    for (let i = 2; i < args.length; i++) {
      const option = args[i]!.toUpperCase();
      if (option === 'INCR') return false;
      if (!ZADD_OPTIONS.has(option)) break;
    }
    return true;
  }
  return false;
}
