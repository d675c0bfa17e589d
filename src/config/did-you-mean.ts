// Suggests the setting a user probably meant when they misspell a key or variable name:
// `connections_per_node` → `connectionsPerNode`, `SLOTWAY_LISTEN_PROT` → `SLOTWAY_LISTEN_PORT`.

const MAX_EDITS = 2;

export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(input);
  let best: string | undefined;
  // Short names are a few edits away from anything; only suggest when most of the name matches.
  let bestDistance = Math.min(MAX_EDITS, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Case, `_` and `-` do not distinguish settings, so they do not count as edits. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
