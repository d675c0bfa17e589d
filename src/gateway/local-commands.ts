// Commands the gateway answers itself, because their state belongs to the client's connection to
// the gateway rather than to any backend connection (PING, SELECT, HELLO, CLIENT SETNAME, ...).

import type { CommandEntry } from '../commands/command-table.js';
import { encodeBulk, encodeError, encodeInteger, encodeValue, OK_REPLY } from '../protocol/resp-encoder.js';
import { type RespValue, resp } from '../protocol/resp-value.js';
import { slotOfBytes } from '../topology/slot-hash.js';
import type { ClientSession } from './client-session.js';

const PONG = Buffer.from('+PONG\r\n');

/** Runs a gateway-local command and returns its reply bytes. */
export function runLocalCommand(
  session: ClientSession,
  entry: CommandEntry,
  args: readonly Buffer[],
): Buffer {
  const p = session.protocol;
  switch (entry.spec.name) {
    case 'ping':
      if (args.length > 2) return arityError('ping');
      if (p === 2 && session.subscriptions && session.subscriptions.total > 0) {
        // A subscribed RESP2 client gets PING's answer in the shape of a message.
        return encodeValue(resp.array([resp.bulk('pong'), resp.bulk(args[1] ?? '')]), 2);
      }
      return args.length === 2 ? encodeBulk(args[1]!) : PONG;
    case 'echo':
      return encodeBulk(args[1]!);
    case 'select': {
      const db = args[1]!.toString('latin1');
      // Redis's integer syntax: no sign on zero, no leading zeros.
      if (!/^(0|-?[1-9]\d{0,9})$/.test(db)) return encodeError('ERR value is not an integer or out of range');
      return db === '0' ? OK_REPLY : encodeError('ERR DB index is out of range');
    }
    case 'quit':
      session.closeAfterReplies();
      return OK_REPLY;
    case 'reset':
      session.reset();
      return Buffer.from('+RESET\r\n');
    case 'readonly':
    case 'readwrite':
    case 'asking':
      return OK_REPLY;
    case 'hello':
      return hello(session, args);
    case 'auth':
      return session.gateway.authenticate(session, args);
    case 'client|setname': {
      const invalid = invalidClientName(args[2]!);
      if (invalid) return invalid;
      session.name = args[2]!.toString('utf8');
      return OK_REPLY;
    }
    case 'client|getname':
      return session.name ? encodeBulk(session.name) : encodeValue(resp.nullBulk(), p);
    case 'client|id':
      return encodeInteger(session.id);
    case 'client|info':
      return encodeValue(
        { type: 'verbatim', format: 'txt', value: Buffer.from(`${session.describe()}\n`) },
        p,
      );
    case 'client|list': {
      const lines = clientList(session, args);
      if (Buffer.isBuffer(lines)) return lines;
      return encodeValue({ type: 'verbatim', format: 'txt', value: Buffer.from(lines.join('')) }, p);
    }
    case 'client|setinfo': {
      const attr = args[2]!.toString('latin1').toLowerCase();
      if (attr !== 'lib-name' && attr !== 'lib-ver') {
        return encodeError(`ERR Unrecognized option '${args[2]!.toString('utf8')}'`);
      }
      (session.libInfo ??= {})[attr] = args[3]!.toString('utf8');
      return OK_REPLY;
    }
    case 'client|no-evict':
    case 'client|no-touch': {
      const mode = args[2]!.toString('latin1').toLowerCase();
      return mode === 'on' || mode === 'off' ? OK_REPLY : encodeError('ERR syntax error');
    }
    case 'client|reply': {
      const mode = args[2]!.toString('latin1').toLowerCase();
      if (mode === 'on') return OK_REPLY;
      return encodeError('ERR CLIENT REPLY OFF/SKIP is not supported through Slotway');
    }
    case 'acl|whoami':
      return encodeBulk(session.user);
    case 'cluster|keyslot':
      return encodeInteger(slotOfBytes(args[2]!));
    case 'cluster|myid':
      return encodeBulk(session.gateway.id);
    case 'cluster|info':
      return encodeValue(
        { type: 'verbatim', format: 'txt', value: Buffer.from(session.gateway.clusterInfoText()) },
        p,
      );
    default:
      return encodeError(`ERR '${entry.displayName}' is not available through Slotway`);
  }
}

/** Redis accepts only printable ASCII without spaces ('!' to '~') in client names. */
function invalidClientName(name: Buffer): Buffer | null {
  for (const byte of name) {
    if (byte < 0x21 || byte > 0x7e) {
      return encodeError('ERR Client names cannot contain spaces, newlines or special characters.');
    }
  }
  return null;
}

/** CLIENT LIST [TYPE type] | [ID id ...], with Redis's errors; lines end with a newline. */
function clientList(session: ClientSession, args: readonly Buffer[]): string[] | Buffer {
  const sessions = session.gateway.sessions();
  const filter = args[2]?.toString('latin1').toLowerCase();
  if (args.length === 2) return sessions.map((s) => `${s.describe()}\n`);
  if (args.length === 4 && filter === 'type') {
    const type = args[3]!.toString('latin1').toLowerCase();
    if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
      return encodeError(`ERR Unknown client type '${args[3]!.toString('utf8')}'`);
    }
    // Gateway clients are normal or (subscribed) pubsub clients, never replication links.
    const lines = sessions.map((s) => `${s.describe()}\n`);
    if (type === 'normal') return lines.filter((l) => !l.includes(' flags=P '));
    return type === 'pubsub' ? lines.filter((l) => l.includes(' flags=P ')) : [];
  }
  if (args.length > 3 && filter === 'id') {
    const lines: string[] = [];
    for (const arg of args.slice(3)) {
      const text = arg.toString('latin1');
      if (!/^-?\d+$/.test(text)) return encodeError('ERR Invalid client ID');
      const found = sessions.find((s) => s.id === Number(text));
      if (found) lines.push(`${found.describe()}\n`);
    }
    return lines;
  }
  return encodeError('ERR syntax error');
}

function arityError(name: string): Buffer {
  return encodeError(`ERR wrong number of arguments for '${name}' command`);
}

function hello(session: ClientSession, args: readonly Buffer[]): Buffer {
  let protocol = session.protocol;
  let i = 1;
  if (args.length > 1) {
    const text = args[1]!.toString('latin1');
    if (!/^\d+$/.test(text)) return encodeError('ERR Protocol version is not an integer or out of range');
    const version = Number(text);
    if (version !== 2 && version !== 3) return encodeError('NOPROTO unsupported protocol version');
    protocol = version;
    i = 2;
  }
  // As in Redis: every option is checked first, then AUTH, then the name is set.
  let credentials: [Buffer, Buffer] | null = null;
  let name: Buffer | null = null;
  for (; i < args.length; i++) {
    const option = args[i]!.toString('latin1').toLowerCase();
    const more = args.length - i - 1;
    if (option === 'auth' && more >= 2) {
      credentials = [args[i + 1]!, args[i + 2]!];
      i += 2;
    } else if (option === 'setname' && more >= 1) {
      name = args[i + 1]!;
      const invalid = invalidClientName(name);
      if (invalid) return invalid;
      i += 1;
    } else {
      return encodeError(`ERR Syntax error in HELLO option '${args[i]!.toString('utf8')}'`);
    }
  }
  if (credentials) {
    const reply = session.gateway.authenticate(session, [Buffer.from('AUTH'), ...credentials]);
    if (reply[0] === 0x2d) return reply;
  }
  if (!session.authenticated) {
    return encodeError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  session.protocol = protocol;
  if (name) session.name = name.toString('utf8');
  const fields: Array<[RespValue, RespValue]> = [
    [resp.bulk('server'), resp.bulk('redis')],
    [resp.bulk('version'), resp.bulk(session.gateway.serverVersion)],
    [resp.bulk('proto'), resp.integer(protocol)],
    [resp.bulk('id'), resp.integer(session.id)],
    [resp.bulk('mode'), resp.bulk('standalone')],
    [resp.bulk('role'), resp.bulk('master')],
    [resp.bulk('modules'), resp.array([])],
  ];
  return encodeValue(resp.map(fields), protocol);
}
