import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  checkServerFrame,
  deviceFrameSchemas,
  devicePublicKeySchema,
  schemaProblem,
  serverFrameSchemas,
} from '../src/index.ts';

// The client checks server frames with schemaProblem, the server checks device frames with Ajv:
// on every schema of the protocol, for valid frames and for each of many ways to break them,
// both must say the same.
const ajv = new Ajv({ coerceTypes: false, removeAdditional: false });
addFormats.default(ajv);

const time = '2030-01-01T00:00:00.000Z';
const coordinate = 'A'.repeat(43);
const valid: Record<string, unknown> = {
  challenge: {
    type: 'challenge',
    nonce: 'bm9uY2U',
    user: 'alice',
    context: 'account-room v1 jwt:alice',
  },
  welcome: {
    type: 'welcome',
    id: 'alice-client-1',
    user: 'alice',
    epoch: 1,
    broadcaster: 'alice-client-1',
    members: [{ id: 'alice-client-1', joinedAt: time, role: 'broadcaster' }],
    heartbeatMs: 750,
    idleHeartbeatMs: 3000,
    tokenExpiresAt: time,
  },
  room: { type: 'room', epoch: 2, broadcaster: null, members: [] },
  signal: { type: 'signal', from: 'alice-client-2', epoch: 1, data: { sdp: 'x' } },
  pong: { type: 'pong' },
  error: { type: 'error', code: 'ERR_SILENT', message: 'silent' },
  hello: { type: 'hello', version: 1, token: 'a.b.c', deviceKey: { kty: 'EC' } },
  proof: { type: 'proof', signature: 'c2ln' },
  ping: { type: 'ping' },
  unreachable: { type: 'unreachable', peer: 'alice-broadcaster', epoch: 3 },
  leave: { type: 'leave', forget: true },
  key: { kty: 'EC', crv: 'P-256', x: coordinate, y: coordinate },
};

const odd: unknown[] = [
  null,
  0,
  -1,
  1.5,
  '',
  'x'.repeat(300),
  'not a date',
  true,
  [],
  {},
  [{}],
  'ERR_NOPE',
];

/** The valid value, and each way of breaking it one field at a time. */
function variants(value: Record<string, unknown>): unknown[] {
  const out: unknown[] = [value, { ...value, extra: 1 }];
  for (const [key, field] of Object.entries(value)) {
    const { [key]: _, ...without } = value;
    out.push(without);
    for (const other of odd) out.push({ ...value, [key]: other });
    if (Array.isArray(field) && field.length > 0 && typeof field[0] === 'object') {
      for (const inner of variants(field[0] as Record<string, unknown>)) {
        out.push({ ...value, [key]: [inner] });
      }
    }
  }
  return out;
}

const schemas: [string, unknown][] = [
  ...Object.entries(serverFrameSchemas),
  ...Object.entries(deviceFrameSchemas),
  ['key', devicePublicKeySchema],
];

describe('schemaProblem', () => {
  it.each(schemas)('agrees with Ajv on the %s schema', (name, schema) => {
    const validate = ajv.compile(schema as object);
    const cases = variants(valid[name] as Record<string, unknown>);
    expect(cases.length).toBeGreaterThan(10);
    for (const value of cases) {
      expect(schemaProblem(schema, value) === undefined, JSON.stringify(value)).toBe(
        validate(value),
      );
    }
  });

  it('checkServerFrame names what is wrong, and refuses unknown types', () => {
    expect(checkServerFrame(valid.welcome)).toEqual({ frame: valid.welcome });
    expect(checkServerFrame({ type: 'hello' })).toEqual({ problem: 'a frame of no known type' });
    expect(checkServerFrame({ ...(valid.room as object), epoch: 'two' })).toEqual({
      problem: 'room: /epoch must be integer',
    });
  });
});
