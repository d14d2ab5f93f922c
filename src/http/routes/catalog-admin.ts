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
import { agentMarkupFraction } from '../schemas/agent-markup';
import { creditPriceMicroMinor } from '../../shared/credit-price';
import { creditsForAmount } from '../../catalog/compute/credit-value';
import { toolSchema } from './catalog-public';

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
      min_credits_per_execution: creditPrice({ allowZero: true }).optional().meta({ description: 'lowest price its publisher may set (default 1)' }),
      max_credits_per_execution: creditPrice({ allowZero: true }).optional().meta({ description: 'highest price its publisher may set (default 10)' }),
    }).refine((b) => b.min_credits_per_execution === undefined || b.max_credits_per_execution === undefined || b.min_credits_per_execution <= b.max_credits_per_execution, {
      path: ['min_credits_per_execution'],
      message: 'must not be above max_credits_per_execution',
    }),
    response: { status: 200, description: 'the tool', schema: toolSchema },
    handler: async ({ params, body, deps }) => {
      if (body.publisher_id && !(await deps.db('publishers').where({ id: body.publisher_id }).first('id'))) {
        throw new ValidationError(`Unknown publisher ${body.publisher_id}`, { field: 'publisher_id' });
      }
      const row = await upsertTool(deps.db, {
        id: params.tool_id,
        publisher_id: body.publisher_id ?? null,
        credits_per_execution: body.credits_per_execution.toString(),
        description: body.description ?? null,
        ...(body.min_credits_per_execution === undefined ? {} : { min_credits_per_execution: body.min_credits_per_execution.toString() }),
        ...(body.max_credits_per_execution === undefined ? {} : { max_credits_per_execution: body.max_credits_per_execution.toString() }),
      }).catch((error: unknown) => {
        // one bound given, crossing the other bound the tool already has (the table's check)
        if ((error as { constraint?: string }).constraint === 'tools_price_bounds') {
          throw new ValidationError('min_credits_per_execution must not be above max_credits_per_execution (counting the bound the tool already has); send both', { field: 'min_credits_per_execution' });
        }
        throw error;
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
      creditPerMinute: creditPrice({ allowZero: true }).nullable().optional().meta({ description: 'credits per minute of audio (speech models), metered as items[].minutes' }),
      creditPerImage: creditPrice({ allowZero: true }).nullable().optional().meta({ description: 'credits per image (vision models), metered as items[].images' }),
      aliases: z.array(modelName).max(20).optional(),
      providerCost: z
        .strictObject({
          inputPer1M: providerCostPer1M,
          outputPer1M: providerCostPer1M,
          cacheWritePer1M: providerCostPer1M.optional(),
          cacheReadPer1M: providerCostPer1M.optional(),
          perMinute: providerCostPer1M.optional().meta({ description: 'USD per minute of audio' }),
          perImage: providerCostPer1M.optional().meta({ description: 'USD per image' }),
        })
        .optional()
        .meta({ description: 'what the provider charges: USD per 1M tokens of each kind (cache kinds not given cost nothing), per minute, per image; the margin report subtracts it' }),
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
        credit_per_minute: body.creditPerMinute?.toString() ?? null,
        credit_per_image: body.creditPerImage?.toString() ?? null,
        provider_cost_cache_write_per_1m: body.providerCost?.cacheWritePer1M?.toString() ?? null,
        provider_cost_cache_read_per_1m: body.providerCost?.cacheReadPer1M?.toString() ?? null,
        provider_cost_per_minute: body.providerCost?.perMinute?.toString() ?? null,
        provider_cost_per_image: body.providerCost?.perImage?.toString() ?? null,
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
      token_overage_price_per_million: moneyAmount({ allowZero: true, max: MAX_OVERAGE_PRICE_MAJOR }).default(0n).meta({
        description: 'what a million tokens beyond the monthly allowance cost, in major units (plans that allow overage)',
      }),
      agent_limit: z.number().int().min(1).max(1_000_000).nullable().default(null),
      rollover_fraction: z.number().min(0).max(1).multipleOf(0.00001).default(0),
      features: z.array(z.string().max(200)).max(50).default([]),
      agent_markup: agentMarkupFraction.prefault(0.2).meta({ description: 'markup on agent runs (markup: "agent") as a fraction, default 0.2 = 20%; an account may override it' }),
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
        overage_price_minor_per_million_tokens: body.token_overage_price_per_million.toString(),
        agent_limit: body.agent_limit,
        rollover_fraction: String(body.rollover_fraction),
        features: JSON.stringify(body.features),
        agent_markup_bps: body.agent_markup,
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
      amount: moneyAmount().optional().meta({ description: 'the credit value in major units (seed 004): the package grants amount / the credit unit price credits' }),
      credits: creditAmount().optional().meta({ description: 'or the credits granted (then amount = credits × the credit unit price)' }),
      price: moneyAmount(),
      currency: z.string().regex(/^[a-z]{3}$/i).transform((c) => c.toLowerCase()).default('usd'),
      active: z.boolean().default(true),
    }).refine((b) => (b.amount === undefined) !== (b.credits === undefined), { path: ['amount'], message: 'give exactly one of amount or credits' }),
    response: { status: 200, description: 'the package', schema: z.record(z.string(), z.unknown()) },
    handler: async ({ params, body, deps }) => {
      const unitPrice = creditPriceMicroMinor(deps.config);
      let credits = body.credits;
      if (body.amount !== undefined) {
        const converted = creditsForAmount(body.amount, unitPrice);
        if (converted.kind !== 'ok') throw new ValidationError('amount does not divide into whole micro-credits at the credit unit price', { field: 'amount' });
        credits = converted.credits;
      }
      const row = await upsertPackage(deps.db, {
        id: params.id,
        credits: credits!.toString(),
        price_minor: body.price.toString(),
        currency: body.currency,
        active: body.active,
      });
      return { status: 200, body: packageView(row, unitPrice) };
    },
  }),
];
