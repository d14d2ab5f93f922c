import type { RouteSpec } from '../route';
import { healthRoutes } from './health';
import { accountAdminRoutes } from './accounts-admin';
import { workflowAdminRoutes } from './workflows-admin';
import { purchaseRoutes } from './purchases';
import { webhookRoutes } from './webhooks';
import { paymentOrderAdminRoutes } from './payment-orders-admin';
import { refundAdminRoutes } from './refunds-admin';

/** Every route of the API, in the order the docs list them. Each domain adds one line. */
export const allRoutes: RouteSpec[] = [
  ...healthRoutes,
  ...accountAdminRoutes,
  ...workflowAdminRoutes,
  ...purchaseRoutes,
  ...webhookRoutes,
  ...paymentOrderAdminRoutes,
  ...refundAdminRoutes,
];
