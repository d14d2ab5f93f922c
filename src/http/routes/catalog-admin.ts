import { z } from 'zod';
import { catalogCache } from '../../catalog/catalog-cache';
import { upsertModel, upsertPackage, upsertPlan, upsertTool } from '../../catalog/catalog.queries';
import { modelView, packageView, planView, toolView } from '../../catalog/catalog-views';
import { ValidationError } from '../../shared/errors';
import { ensurePlanPricesOrWarn } from '../../subscriptions/billing-catalog';
import { defineRoute } from '../route';
import { MAX_OVERAGE_PRICE_MAJOR } from '../../pricing/compute/bounds';
import { creditAmount, creditPrice, moneyAmount, providerCostPer1M, ratePer1M } from '../schemas/amounts';
import { shortText } from '../schemas/common';

const slug = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _');
const toolId = z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'letters, digits and . _ : / -');
const modelName = z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, 'letters, digits and . _ : / @ -');

export const catalogAdminRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/admin/tools/:tool_id',
    summary: 'Create or update a tool and its price per execution',
    tag: 'Catalog',
    access: 'admin',
    params: z.object({ tool_id: toolId }),
    body: z.strictObject({
      publisher_id: z.string().regex(/^pub_[a-z0-9]+$/, 'must look like pub_…').nullable().optional(),
      credits_per_execution: creditPrice({ allowZero: true }),
      description: z.string().max(1000).optional(),
    }),
    response: { status: 200, description: 'the tool', schema: z.object({ id: z.string(), publisher_id: z.string().nullable(), credits_per_execution: z.number(), description: z.string().nullable() }) },
    handler: async ({ params, body, deps }) => {
      if (body.publisher_id && !(await deps.db('publishers').where({ id: body.publisher_id }).first('id'))) {
        throw new ValidationError(`Unknown publisher ${body.publisher_id}`, { field: 'publisher_id' });
      }
      const row = await upsertTool(deps.db, {
        id: params.tool_id,
        publisher_id: body.publisher_id ?? null,
        credits_per_execution: body.credits_per_execution.toString(),
        description: body.description ?? null,
      });
      catalogCache(deps.db).invalidate();
      return { status: 200, body: toolView(row) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/admin/models/:name',
    summary: 'Create or update a model’s credit rates per 1M tokens',
    tag: 'Catalog',
    access: 'admin',
    params: z.object({ name: modelName }),
    body: z.strictObject({
      provider: shortText(100),
      creditInputPer1M: ratePer1M.nullable(),
      creditOutputPer1M: ratePer1M.nullable(),
      creditCacheWritePer1M: ratePer1M.nullable().optional(),
      creditCacheReadPer1M: ratePer1M.nullable().optional(),
      aliases: z.array(modelName).max(20).optional(),
      providerCost: z.strictObject({ inputPer1M: providerCostPer1M, outputPer1M: providerCostPer1M }).optional().meta({ description: 'USD per 1M tokens charged by the provider' }),
    }),
    response: { status: 200, description: 'the model', schema: z.record(z.string(), z.unknown()) },
    handler: async ({ params, body, deps }) => {
      const row = await upsertModel(deps.db, {
        name: params.name,
        provider: body.provider,
        aliases: body.aliases ?? [],
        credit_input_per_1m: body.creditInputPer1M?.toString() ?? null,
        credit_output_per_1m: body.creditOutputPer1M?.toString() ?? null,
        credit_cache_write_per_1m: body.creditCacheWritePer1M?.toString() ?? null,
        credit_cache_read_per_1m: body.creditCacheReadPer1M?.toString() ?? null,
        provider_cost_input_per_1m: body.providerCost?.inputPer1M.toString() ?? null,
        provider_cost_output_per_1m: body.providerCost?.outputPer1M.toString() ?? null,
      });
      catalogCache(deps.db).invalidate();
      return { status: 200, body: modelView(row, 'operator') };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/admin/plans/:id',
    summary: 'Create or update a plan',
    tag: 'Catalog',
    access: 'admin',
    params: z.object({ id: slug }),
    body: z.strictObject({
      name: shortText(100),
      monthly_price: moneyAmount({ allowZero: true }),
      currency: z.string().regex(/^[a-z]{3}$/).default('usd'),
      included_credits: creditAmount({ allowZero: true }),
      included_tokens: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
      overage_allowed: z.boolean(),
      overage_price_per_credit: moneyAmount({ allowZero: true, max: MAX_OVERAGE_PRICE_MAJOR }).default(0n),
      agent_limit: z.number().int().min(1).max(1_000_000).nullable().default(null),
      rollover_fraction: z.number().min(0).max(1).multipleOf(0.00001).default(0),
      features: z.array(z.string().max(200)).max(50).default([]),
    }),
    response: { status: 200, description: 'the plan', schema: z.record(z.string(), z.unknown()) },
    handler: async ({ params, body, deps }) => {
      const row = await upsertPlan(deps.db, {
        id: params.id,
        name: body.name,
        monthly_price_minor: body.monthly_price.toString(),
        currency: body.currency,
        included_credits_micro: body.included_credits.toString(),
        included_tokens: String(body.included_tokens),
        overage_allowed: body.overage_allowed,
        overage_price_minor_per_credit: body.overage_price_per_credit.toString(),
        agent_limit: body.agent_limit,
        rollover_fraction: String(body.rollover_fraction),
        features: JSON.stringify(body.features),
      });
      await ensurePlanPricesOrWarn(deps, row.id); // prices are immutable in Stripe: new terms, new prices
      return { status: 200, body: planView(row) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/admin/packages/:id',
    summary: 'Create or update a credit package',
    tag: 'Catalog',
    access: 'admin',
    params: z.object({ id: slug }),
    body: z.strictObject({
      amount: creditAmount().meta({ description: 'credits in the package' }),
      price: moneyAmount(),
      currency: z.string().regex(/^[a-z]{3}$/i).transform((c) => c.toLowerCase()).default('usd'),
      active: z.boolean().default(true),
    }),
    response: { status: 200, description: 'the package', schema: z.record(z.string(), z.unknown()) },
    handler: async ({ params, body, deps }) => {
      const row = await upsertPackage(deps.db, {
        id: params.id,
        credits: body.amount.toString(),
        price_minor: body.price.toString(),
        currency: body.currency,
        active: body.active,
      });
      return { status: 200, body: packageView(row) };
    },
  }),
];
