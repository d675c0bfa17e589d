// Plain counters bumped on the hot path (a field increment each); the metrics module reads them when
// Prometheus scrapes, so counting costs nothing per command beyond the increment.

export class GatewayStats {
  moved = 0;
  ask = 0;
  tryAgain = 0;
  retries = 0;
  connectionFailures = 0;
  crossSlot = 0;
  protocolErrors = 0;
  clientsConnected = 0;
  clientsTotal = 0;
  clientsRejected = 0;
}
