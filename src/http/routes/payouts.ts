import { payoutAdminRoutes } from './payouts-admin';
import { publisherRoutes } from './publisher';

/** Publisher earnings, Stripe Connect onboarding and payouts (publisher keys and finance ops). */
export const payoutRoutes = [...publisherRoutes, ...payoutAdminRoutes];
