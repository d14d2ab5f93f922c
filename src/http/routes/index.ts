import type { RouteSpec } from '../route';
import { healthRoutes } from './health';
import { accountAdminRoutes } from './accounts-admin';
import { workflowAdminRoutes } from './workflows-admin';
import { catalogAdminRoutes } from './catalog-admin';
import { catalogPublicRoutes } from './catalog-public';
import { creditRoutes } from './credits';
import { holdRoutes } from './holds';
import { creditAdminRoutes } from './credits-admin';
import { tokenRoutes } from './tokens';
import { invoiceRoutes } from './invoices';
import { periodRoutes } from './periods';
import { payoutRoutes } from './payouts';
import { purchaseRoutes } from './purchases';
import { webhookRoutes } from './webhooks';
import { paymentOrderAdminRoutes } from './payment-orders-admin';
import { refundAdminRoutes } from './refunds-admin';
import { autoRechargeRoutes } from '../../auto-recharge/auto-recharge.routes';
import { subscriptionRoutes } from './subscriptions';
import { subscriptionAdminRoutes } from './subscriptions-admin';
import { billingMismatchAdminRoutes } from './billing-mismatches-admin';
import { auditAdminRoutes } from './audit-admin';
import { webhookInboxRoutes } from './webhook-inbox-admin';
import { alertRoutes, webhookEndpointRoutes } from './webhook-endpoints';
import { taskRoutes } from './tasks';
import { marginAdminRoutes } from './margins-admin';
import { billingProfileAdminRoutes } from './billing-profile-admin';
import { agentMarkupAdminRoutes } from './agent-markup-admin';
import { metricsRoutes } from '../../observability/metrics.routes';

/** Every route of the API, in the order the docs list them. Each domain adds one line. */
export const allRoutes: RouteSpec[] = [
  ...healthRoutes,
  ...metricsRoutes,
  ...accountAdminRoutes,
  ...workflowAdminRoutes,
  ...catalogAdminRoutes,
  ...catalogPublicRoutes,
  ...creditRoutes,
  ...holdRoutes,
  ...taskRoutes,
  ...tokenRoutes,
  ...creditAdminRoutes,
  ...invoiceRoutes,
  ...periodRoutes,
  ...payoutRoutes,
  ...purchaseRoutes,
  ...webhookRoutes,
  ...paymentOrderAdminRoutes,
  ...refundAdminRoutes,
  ...autoRechargeRoutes,
  ...subscriptionRoutes,
  ...subscriptionAdminRoutes,
  ...billingMismatchAdminRoutes,
  ...auditAdminRoutes,
  ...webhookInboxRoutes,
  ...webhookEndpointRoutes,
  ...alertRoutes,
  ...marginAdminRoutes,
  ...billingProfileAdminRoutes,
  ...agentMarkupAdminRoutes,
];
