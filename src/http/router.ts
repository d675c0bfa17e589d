// A small path router: routes are `/v1/strings/{key}`-style patterns per method, matched segment by
// segment. It tells "no such path" (404) from "path exists, wrong method" (405, with the methods that
// would work). Parameters are handed out still percent-encoded, so callers decode them to bytes.

export type RouteMatch<H> =
  | { readonly kind: 'found'; readonly handler: H; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] }
  | { readonly kind: 'none' };

interface Route<H> {
  readonly method: string;
  /** Literal text, or null for a parameter, per segment. */
  readonly literals: ReadonlyArray<string | null>;
  readonly names: ReadonlyArray<string | null>;
  /** Trailing `{name*}`: the rest of the path, possibly several segments. */
  readonly rest: string | null;
  readonly handler: H;
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(methods: string | readonly string[], pattern: string, handler: H): this {
    const segments = pattern.split('/').slice(1);
    let rest: string | null = null;
    const last = segments[segments.length - 1];
    if (last?.startsWith('{') && last.endsWith('*}')) {
      rest = last.slice(1, -2);
      segments.pop();
    }
    const literals = segments.map((s) => (s.startsWith('{') ? null : s));
    const names = segments.map((s) => (s.startsWith('{') ? s.slice(1, -1) : null));
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      this.routes.push({ method, literals, names, rest, handler });
    }
    return this;
  }

  match(method: string, pathname: string): RouteMatch<H> {
    const segments = pathname.split('/').slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', handler: route.handler, params };
      if (!allowed.includes(route.method)) allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

function matchSegments<H>(route: Route<H>, segments: readonly string[]): Record<string, string> | null {
  const n = route.literals.length;
  if (route.rest === null ? segments.length !== n : segments.length <= n) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const literal = route.literals[i];
    const segment = segments[i]!;
    if (literal === null) {
      if (segment === '') return null;
      params[route.names[i]!] = segment;
    } else if (literal !== segment) {
      return null;
    }
  }
  if (route.rest !== null) params[route.rest] = segments.slice(n).join('/');
  return params;
}
