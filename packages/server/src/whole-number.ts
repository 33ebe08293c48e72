import { ServerError } from './errors.ts';

/**
 * The one check of a whole-number option (ports, limits, times): a safe integer from `min` to
 * `max`, else ERR_INVALID_CONFIG naming the option, the range (`range`, when it reads better
 * than the numbers: "30 days") and the value given.
 */
export function checkWholeNumber(
  name: string,
  value: number,
  min: number,
  max: number,
  range = `from ${min} to ${max}`,
): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ServerError(
      'ERR_INVALID_CONFIG',
      `${name} must be a whole number ${range}, not ${String(value)}`,
    );
  }
  return value;
}
