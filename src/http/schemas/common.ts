import { z } from 'zod';

/** Shared request pieces: bounded strings and ids, so no endpoint accepts a megabyte name. */
export const shortText = (max = 200) => z.string().trim().min(1).max(max);
export const idParam = (prefix: string) =>
  z.string().max(64).regex(new RegExp(`^${prefix}_[a-z0-9]+$`), `must look like ${prefix}_…`);
export const isoDateTime = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const listMeta = z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
/** An email address as RFC 5321 bounds it (the OpenAPI `email` format): at most 64 characters before the @. */
export const emailAddress = z
  .email()
  .max(254)
  .refine((value) => (value.split('@')[0] ?? '').length <= 64, 'may have at most 64 characters before the @');
