import { Ajv, type ValidateFunction } from 'ajv';
import { isServerError, ServerError } from '../errors.ts';
import {
  ACCOUNT_PROTOCOL_VERSION,
  type AccountErrorFrame,
  type DeviceFrame,
  type DeviceFrameType,
  deviceFrameSchemas,
  isAccountErrorCode,
  MAX_FRAME_BYTES,
  MAX_SIGNAL_DATA_BYTES,
} from '../protocol/index.ts';

/** A device frame that passed its schema; a signal's data comes with its JSON text. */
export type ParsedFrame =
  | { frame: Exclude<DeviceFrame, { type: 'signal' }> }
  | { frame: Extract<DeviceFrame, { type: 'signal' }>; dataJson: string };

// As strict as the HTTP routes: no coercion, no dropped or defaulted fields.
const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false });
const validators = Object.fromEntries(
  Object.entries(deviceFrameSchemas).map(([type, schema]) => [type, ajv.compile(schema)]),
) as Record<DeviceFrameType, ValidateFunction>;

/**
 * One frame off the socket, checked: size first (before any parsing), then JSON, then the
 * schema of its type. Anything else throws a ServerError with the code to answer with.
 */
export function parseDeviceFrame(raw: Buffer, isBinary: boolean): ParsedFrame {
  if (raw.byteLength > MAX_FRAME_BYTES) {
    throw invalid('ERR_FRAME_TOO_LARGE', `frames are at most ${MAX_FRAME_BYTES} bytes`);
  }
  if (isBinary) throw invalid('ERR_INVALID_FRAME', 'frames are JSON text, not binary');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid('ERR_INVALID_FRAME', 'the frame is not JSON');
  }
  const type =
    typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(validators, type)) {
    throw invalid('ERR_INVALID_FRAME', 'the frame has no known type');
  }
  const record = value as Record<string, unknown>;
  if (type === 'signal' && isPlainSignal(record)) return signalOf(record as unknown as SignalFrame);
  if (
    type === 'hello' &&
    (record.token === undefined || record.token === null || record.token === '')
  ) {
    throw invalid('ERR_TOKEN_MISSING', 'the hello carries no token');
  }
  const validate = validators[type as DeviceFrameType];
  if (!validate(value)) {
    const [issue] = validate.errors ?? [];
    const where = issue?.instancePath ? `${issue.instancePath} ` : '';
    throw invalid(
      'ERR_INVALID_FRAME',
      `${type}: ${where}${issue?.message ?? 'is malformed'}`.slice(0, 200),
    );
  }
  const frame = value as DeviceFrame;
  if (frame.type === 'hello' && frame.version !== ACCOUNT_PROTOCOL_VERSION) {
    throw new ServerError(
      'ERR_UNSUPPORTED_VERSION',
      `this server speaks version ${ACCOUNT_PROTOCOL_VERSION}`,
    );
  }
  if (frame.type !== 'signal') return { frame };
  return signalOf(frame);
}

type SignalFrame = Extract<DeviceFrame, { type: 'signal' }>;

/**
 * What the signal schema accepts, checked by hand, since signals are most of the traffic:
 * exactly `type`, `to` (1 to 128 characters) and `data`. Anything else goes to the schema,
 * which says what is wrong.
 */
function isPlainSignal(record: Record<string, unknown>): boolean {
  let keys = 0;
  for (const key in record) {
    if (key !== 'type' && key !== 'to' && key !== 'data') return false;
    keys += 1;
  }
  const { to } = record;
  return keys === 3 && typeof to === 'string' && to.length >= 1 && to.length <= 128;
}

function signalOf(frame: SignalFrame): ParsedFrame {
  // Measured as relayed: the JSON text of data. (JSON.parse made it; stringify cannot fail
  // on its output, but a deep nesting could overflow the stack, so guard anyway.)
  let dataJson: string;
  try {
    dataJson = JSON.stringify(frame.data);
  } catch {
    throw invalid('ERR_INVALID_FRAME', 'signal: /data cannot be relayed');
  }
  if (Buffer.byteLength(dataJson) > MAX_SIGNAL_DATA_BYTES) {
    throw invalid('ERR_SIGNAL_TOO_LARGE', `signal data is at most ${MAX_SIGNAL_DATA_BYTES} bytes`);
  }
  return { frame, dataJson };
}

function invalid(
  code: 'ERR_INVALID_FRAME' | 'ERR_FRAME_TOO_LARGE' | 'ERR_SIGNAL_TOO_LARGE' | 'ERR_TOKEN_MISSING',
  message: string,
) {
  return new ServerError(code, message);
}

/** The error frame for a failure: its own code, or ERR_ROOM_UNAVAILABLE for anything unforeseen. */
export function errorFrameOf(error: unknown): AccountErrorFrame {
  if (isServerError(error) && isAccountErrorCode(error.code)) {
    return { type: 'error', code: error.code, message: error.message };
  }
  return { type: 'error', code: 'ERR_ROOM_UNAVAILABLE', message: 'the server failed; reconnect' };
}
