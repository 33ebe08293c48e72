import {
  ACCOUNT_PROTOCOL_VERSION,
  type AccountErrorFrame,
  type DeviceFrame,
  type DeviceFrameType,
  deviceFrameSchemas,
  isAccountErrorCode,
  MAX_DEVICE_ID_LENGTH,
  MAX_FRAME_BYTES,
  MAX_SIGNAL_DATA_BYTES,
} from '@webrtc-connect/protocol';
import { Ajv, type ValidateFunction } from 'ajv';
import { isServerError, ServerError } from '../errors.ts';
import { isJsonText } from './json-text.ts';

/**
 * A device frame that passed its schema. A signal is kept as what is relayed: its target and the
 * JSON text of its data (the data itself is opaque to the server).
 */
export type ParsedFrame =
  | { frame: Exclude<DeviceFrame, { type: 'signal' }> }
  | { frame: { type: 'signal'; to: string }; dataJson: string };

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
  const signal = plainSignal(raw);
  if (signal) return signal;
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

const SIGNAL_HEAD = Buffer.from('{"type":"signal","to":"');
const SIGNAL_DATA = Buffer.from('","data":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSING_BRACE = 0x7d;

/**
 * Signals are most of the traffic, and every device sends them as
 * `{"type":"signal","to":"<id>","data":<JSON>}` (JSON.stringify of the object in that order).
 * Such a frame is read without parsing it whole: the target is printable ASCII without escapes,
 * and the data's text, parsed once to prove it is one JSON value, is relayed as it came (no
 * second serialisation). Anything else (other spacing or order, escapes in the target, data that
 * is not JSON) returns undefined and goes through the general path, which says what is wrong.
 */
function plainSignal(raw: Buffer): ParsedFrame | undefined {
  const toStart = SIGNAL_HEAD.length;
  if (raw.length < toStart + SIGNAL_DATA.length + 3 || raw[raw.length - 1] !== CLOSING_BRACE) {
    return undefined;
  }
  if (!startsWith(raw, SIGNAL_HEAD, 0)) return undefined;
  const limit = Math.min(raw.length, toStart + MAX_DEVICE_ID_LENGTH + 1);
  let toEnd = toStart;
  for (; toEnd < limit; toEnd += 1) {
    const byte = raw[toEnd] as number;
    if (byte === QUOTE) break;
    if (byte < 0x20 || byte > 0x7e || byte === BACKSLASH) return undefined;
  }
  if (toEnd === toStart || toEnd === limit) return undefined;
  const dataStart = toEnd + SIGNAL_DATA.length;
  if (dataStart >= raw.length) return undefined;
  if (!startsWith(raw, SIGNAL_DATA, toEnd)) return undefined;
  const dataEnd = raw.length - 1;
  if (dataEnd - dataStart > MAX_SIGNAL_DATA_BYTES) throw tooLarge();
  // Proved to be one JSON value without building it (json-text.ts).
  if (!isJsonText(raw, dataStart, dataEnd)) return undefined;
  const dataJson = raw.toString('utf8', dataStart, dataEnd);
  return { frame: { type: 'signal', to: raw.toString('latin1', toStart, toEnd) }, dataJson };
}

/**
 * Whether `raw` holds `part` at `offset` (the caller checked that it fits). A loop: for a few
 * bytes it costs less than Buffer.compare's checks of its arguments and its call into C++.
 */
function startsWith(raw: Buffer, part: Buffer, offset: number): boolean {
  for (let n = 0; n < part.length; n += 1) if (raw[offset + n] !== part[n]) return false;
  return true;
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
  if (Buffer.byteLength(dataJson) > MAX_SIGNAL_DATA_BYTES) throw tooLarge();
  return { frame: { type: 'signal', to: frame.to }, dataJson };
}

function tooLarge() {
  return invalid('ERR_SIGNAL_TOO_LARGE', `signal data is at most ${MAX_SIGNAL_DATA_BYTES} bytes`);
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
