// Recognises the cluster's redirect and retry replies on the raw bytes of an error frame, so the
// common (non-error) reply costs a single byte comparison.

import { splitHostPort } from '../topology/cluster-discovery.js';
import { type NodeAddress, nodeAddress } from '../topology/slot-map.js';

export type Redirect =
  | { readonly kind: 'moved'; readonly slot: number; readonly node: NodeAddress }
  | { readonly kind: 'ask'; readonly slot: number; readonly node: NodeAddress }
  /** The cluster is busy (resharding, failover, loading): try the same command again shortly. */
  | { readonly kind: 'retry'; readonly reason: string };

const MINUS = 0x2d;

function startsWith(frame: Buffer, word: string): boolean {
  if (frame.length < word.length + 1) return false;
  for (let i = 0; i < word.length; i++) if (frame[i + 1] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses an error frame; null when it is an ordinary error that goes to the client. `askedHost` is
 * the host of the node that sent the frame, used when the redirect leaves the host empty.
 */
export function parseRedirect(frame: Buffer, askedHost = ''): Redirect | null {
  if (frame[0] !== MINUS) return null;
  if (startsWith(frame, 'MOVED ') || startsWith(frame, 'ASK ')) {
    const text = frame.toString('latin1', 1, frame.length - 2);
    const [word, slotText, endpoint] = text.split(' ');
    const slot = Number(slotText);
    if (!endpoint || !Number.isInteger(slot)) return null;
    const parsed = splitHostPort(endpoint);
    // An empty host (`MOVED 3999 :6381`, cluster-preferred-endpoint-type unknown-endpoint) means
    // "the host you sent the command to, on this port".
    const host = parsed.host || askedHost;
    if (!host || !Number.isFinite(parsed.port)) return null;
    const node = nodeAddress(host, parsed.port);
    return word === 'MOVED' ? { kind: 'moved', slot, node } : { kind: 'ask', slot, node };
  }
  if (startsWith(frame, 'TRYAGAIN')) return { kind: 'retry', reason: 'TRYAGAIN' };
  if (startsWith(frame, 'CLUSTERDOWN')) return { kind: 'retry', reason: 'CLUSTERDOWN' };
  if (startsWith(frame, 'LOADING')) return { kind: 'retry', reason: 'LOADING' };
  if (startsWith(frame, 'MASTERDOWN')) return { kind: 'retry', reason: 'MASTERDOWN' };
  return null;
}
