// Every typed route, in the order they are matched and documented.

import { clusterRoutes, healthRoutes } from './cluster-routes.js';
import { hashRoutes } from './hash-routes.js';
import { keyRoutes } from './key-routes.js';
import { listRoutes } from './list-routes.js';
import { setRoutes } from './set-routes.js';
import { sortedSetRoutes } from './sorted-set-routes.js';
import { stringRoutes } from './string-routes.js';
import type { TypedRoute } from './typed-route.js';

/** Routes under /v1 (need a token when tokens are configured). */
export const dataRoutes: readonly TypedRoute[] = [
  ...stringRoutes,
  ...hashRoutes,
  ...listRoutes,
  ...setRoutes,
  ...sortedSetRoutes,
  ...keyRoutes,
];

export { clusterRoutes, healthRoutes };
