import type { ServerFrame } from './account-messages.ts';
import { serverFrameSchemas } from './account-schemas.ts';

/**
 * Checks a value against one of this package's own JSON Schemas, for clients that cannot carry a
 * full validator: the server uses Ajv, but Ajv in a browser bundle would weigh more than the
 * whole library. Only the keywords these schemas use are known (type, const, enum, minimum,
 * minLength, maxLength, pattern, format date-time, items, required, properties,
 * additionalProperties false); the test suite checks it agrees with Ajv on every schema here.
 * Returns where the value fails and why, or undefined when it passes.
 */
export function schemaProblem(schema: unknown, value: unknown, path = ''): string | undefined {
  const rule = schema as SchemaRule;
  if (rule.const !== undefined && value !== rule.const) return `${path} must be ${rule.const}`;
  if (rule.enum && !rule.enum.includes(value)) return `${path} is not one of the allowed values`;
  if (rule.type !== undefined) {
    const types = Array.isArray(rule.type) ? rule.type : [rule.type];
    if (!types.some((type) => isOfType(value, type))) return `${path} must be ${types.join('|')}`;
  }
  if (typeof value === 'number' && rule.minimum !== undefined && value < rule.minimum) {
    return `${path} must be at least ${rule.minimum}`;
  }
  if (typeof value === 'string') {
    // Lengths in code points, as JSON Schema counts them.
    const length =
      rule.minLength !== undefined || rule.maxLength !== undefined ? [...value].length : 0;
    if (rule.minLength !== undefined && length < rule.minLength) return `${path} is too short`;
    if (rule.maxLength !== undefined && length > rule.maxLength) return `${path} is too long`;
    if (rule.pattern !== undefined && !new RegExp(rule.pattern, 'u').test(value)) {
      return `${path} does not match its pattern`;
    }
    if (rule.format === 'date-time' && !DATE_TIME.test(value)) return `${path} is not a date-time`;
  }
  if (Array.isArray(value) && rule.items) {
    for (const [i, item] of value.entries()) {
      const problem = schemaProblem(rule.items, item, `${path}/${i}`);
      if (problem) return problem;
    }
  }
  if (isRecord(value)) {
    for (const key of rule.required ?? []) {
      if (!Object.hasOwn(value, key)) return `${path} lacks ${key}`;
    }
    for (const [key, item] of Object.entries(value)) {
      const property = rule.properties?.[key];
      if (property === undefined) {
        if (rule.additionalProperties === false) return `${path} has an unknown field ${key}`;
        continue;
      }
      const problem = schemaProblem(property, item, `${path}/${key}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * A frame from the account server, checked against the schema of its type: the frame, or a
 * description of what is wrong with it.
 */
export function checkServerFrame(value: unknown): { frame: ServerFrame } | { problem: string } {
  const type = isRecord(value) ? value.type : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(serverFrameSchemas, type)) {
    return { problem: 'a frame of no known type' };
  }
  const problem = schemaProblem(serverFrameSchemas[type as keyof typeof serverFrameSchemas], value);
  return problem === undefined
    ? { frame: value as unknown as ServerFrame }
    : { problem: `${type}: ${problem.slice(0, 200)}` };
}

interface SchemaRule {
  type?: string | readonly string[];
  const?: unknown;
  enum?: readonly unknown[];
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  items?: unknown;
  required?: readonly string[];
  properties?: Record<string, unknown>;
  additionalProperties?: boolean;
}

/** RFC 3339's date-time, as Ajv's "date-time" format reads it. */
const DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOfType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    default:
      return typeof value === type;
  }
}
