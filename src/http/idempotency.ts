import crypto from 'node:crypto';
import type { Request } from 'express';
import { ValidationError } from '../shared/errors';
import { GENERATED_KEY_PREFIX, requestHash } from '../shared/request-hash';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The request's idempotency key: the `Idempotency-Key` header or `idempotency_key` in the body.
 * Without one the request gets a made-up unique key (GENERATED_KEY_PREFIX): other records keyed by
 * it stay distinct, while a debit stores none, since such a request can never be replayed.
 */
export function idempotencyKeyOf(req: Request, bodyKey?: string): { key: string; given: boolean } {
  return idempotencyKeyFrom(req.get(IDEMPOTENCY_HEADER), bodyKey);
}

/** The same, from the header's value (Express-free callers: the metering lane). */
export function idempotencyKeyFrom(header: string | undefined, bodyKey?: string): { key: string; given: boolean } {
  if (header !== undefined && bodyKey !== undefined && header !== bodyKey) {
    throw new ValidationError('Idempotency-Key header and idempotency_key differ; send one of them', { field: 'idempotency_key' });
  }
  const key = header ?? bodyKey;
  if (key === undefined) return { key: `${GENERATED_KEY_PREFIX}${crypto.randomUUID()}`, given: false };
  if (key.length < 1 || key.length > 255) throw new ValidationError('Idempotency-Key must be 1 to 255 characters', { field: 'idempotency_key' });
  return { key: `req:${key}`, given: true };
}

/** The key and what "the same request" means for it: this endpoint and this exact body. */
export function idempotencyOf(req: Request, bodyKey?: string): Idempotency {
  return idempotencyFrom({ header: req.get(IDEMPOTENCY_HEADER), bodyKey, endpoint: `${req.method} ${req.path}`, rawBody: req.body });
}

export interface Idempotency {
  key: string;
  requestHash: string;
}

/** The same, from the request's parts: `rawBody` is the JSON as sent, before validation. */
export function idempotencyFrom(request: { header: string | undefined; bodyKey?: string; endpoint: string; rawBody: unknown }): Idempotency {
  return { key: idempotencyKeyFrom(request.header, request.bodyKey).key, requestHash: requestHash(request.endpoint, request.rawBody) };
}

export const REPLAYED_HEADERS = { 'Idempotent-Replayed': 'true' };

/** 201 with the result, marked as a replay when the key had been used before. */
export function createdOrReplayed(result: { replayed: boolean; body: unknown }) {
  return { status: 201, body: result.body, headers: result.replayed ? REPLAYED_HEADERS : undefined };
}
