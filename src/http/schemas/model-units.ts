import { z } from 'zod';
import { decimalToScaled } from '../../shared/amounts';
import { MAX_QUANTITY } from '../../pricing/compute/bounds';

/** Minutes of audio in a model usage item: zero or more, at most 3 decimals (thousandths of a minute). */
export const audioMinutes = z
  .number({ error: 'must be a number' })
  .min(0, 'must be zero or more')
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`)
  .refine((value) => {
    try {
      decimalToScaled(String(value), 3);
      return true;
    } catch {
      return false;
    }
  }, 'may have at most 3 decimals')
  .meta({ description: 'minutes of audio (models priced per minute), up to 3 decimals' });

/** Images in a model usage item. */
export const imageCount = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be zero or more')
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`)
  .meta({ description: 'images processed (models priced per image)' });
