import type { RouteSpec } from '../route';
import { healthRoutes } from './health';
import { accountAdminRoutes } from './accounts-admin';
import { workflowAdminRoutes } from './workflows-admin';
import { payoutRoutes } from './payouts';

/** Every route of the API, in the order the docs list them. Each domain adds one line. */
export const allRoutes: RouteSpec[] = [
  ...healthRoutes,
  ...accountAdminRoutes,
  ...workflowAdminRoutes,
  ...payoutRoutes,
];
