// @slotway/client: a typed, fetch-based client for Slotway's REST and WebSocket API. No native code
// and no Node-only APIs, so the same build runs on Node 20+, Deno, Bun, browsers and edge workers.

export {
  ClusterAdmin,
  type ClusterInfo,
  type ClusterNode,
  type ClusterNodeAddress,
  type ClusterSlotRange,
} from './cluster-admin.js';
export type { Arg, Command, CommandOptions, Decoder } from './command.js';
export type { ExpireCondition, ScanOptions } from './commands/keys.js';
export type { ListEnd } from './commands/lists.js';
export type { ScoredMember } from './commands/reply-types.js';
export type { ScoreBound, ZAddOptions, ZRangeOptions } from './commands/sorted-sets.js';
export type { GetExOptions, SetOptions } from './commands/strings.js';
export { base64ToBytes, bytesToBase64 } from './encoding.js';
export {
  type Settled,
  SlotwayConnectionError,
  SlotwayError,
  SlotwayPipelineError,
  SlotwayReplyError,
} from './errors.js';
export { isIdempotent, isReadOnly } from './idempotency.js';
export { Pipeline, type SettledTuple } from './pipeline.js';
export type { FetchLike, ResponseLike } from './rest-transport.js';
export type { RetryOptions } from './retry.js';
export { Script } from './script.js';
export { type Encoding, Slotway, type SlotwayOptions } from './slotway.js';
export {
  type ReconnectOptions,
  SlotwaySocket,
  type SlotwaySocketOptions,
  type SocketEvents,
  type SocketState,
} from './socket/slotway-socket.js';
export {
  type MessageListener,
  type PubSubMessage,
  Subscription,
  type SubscriptionKind,
} from './socket/subscription.js';
export type { WebSocketConstructor, WebSocketLike } from './socket/websocket-like.js';
