import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4 } from 'node:net';

// RFC 5389 §6: the fixed 20-byte header, and the cookie that tells STUN from other UDP traffic.
const HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

export interface TransportAddress {
  address: string;
  port: number;
}

export interface StunResponderOptions {
  /** Address to bind; the test network namespace's loopback by default. */
  host?: string;
  /**
   * Address to report instead of the request's real source. A real source equals the peer's host
   * candidate, and Chromium drops a server-reflexive candidate that repeats a host one, so tests
   * that want a visible `typ srflx` line report an address that is not on any interface.
   */
  mappedAddress?: TransportAddress;
}

export interface StunResponder extends TransportAddress {
  /** `stun:host:port`, ready for `iceServers: [{ urls }]`. */
  url: string;
  /** How many valid Binding requests were answered. */
  readonly answered: number;
  close(): Promise<void>;
}

/** Starts a minimal STUN server: answers Binding requests with XOR-MAPPED-ADDRESS, ignores the rest. */
export async function startStunResponder(
  options: StunResponderOptions = {},
): Promise<StunResponder> {
  const host = options.host ?? '127.0.0.1';
  // IPv4 only: the test namespace gives peers IPv4 addresses alone (IPv6 link-local is unused).
  if (!isIPv4(host) || (options.mappedAddress && !isIPv4(options.mappedAddress.address))) {
    throw new Error('startStunResponder: only IPv4 addresses are supported');
  }
  const socket = createSocket('udp4');
  let answered = 0;
  socket.on('message', (request: Buffer, from: RemoteInfo) => {
    if (!isBindingRequest(request)) return;
    const mapped = options.mappedAddress ?? from;
    socket.send(bindingSuccess(request.subarray(4, HEADER_BYTES), mapped), from.port, from.address);
    answered += 1;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();
  return {
    address: host,
    port,
    url: `stun:${host}:${port}`,
    get answered() {
      return answered;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function isBindingRequest(message: Buffer): boolean {
  return (
    message.length >= HEADER_BYTES &&
    message.readUInt16BE(0) === BINDING_REQUEST && // also rejects the top two bits being set
    message.readUInt16BE(2) === message.length - HEADER_BYTES &&
    message.length % 4 === 0 &&
    message.readUInt32BE(4) === MAGIC_COOKIE
  );
}

/** `cookieAndId` is the 16 bytes after the type and length: cookie then transaction id. */
function bindingSuccess(cookieAndId: Buffer, mapped: TransportAddress): Buffer {
  // RFC 5389 §15.2: the port is XORed with the cookie's top half, an IPv4 address with the cookie.
  const octets = mapped.address.split('.').map(Number);
  const attribute = Buffer.alloc(12);
  attribute.writeUInt16BE(XOR_MAPPED_ADDRESS, 0);
  attribute.writeUInt16BE(8, 2);
  attribute.writeUInt8(0x01, 5); // family: IPv4
  attribute.writeUInt16BE(mapped.port ^ (MAGIC_COOKIE >>> 16), 6);
  for (const [i, octet] of octets.entries()) {
    attribute.writeUInt8(octet ^ (cookieAndId[i] ?? 0), 8 + i);
  }
  const header = Buffer.alloc(4);
  header.writeUInt16BE(BINDING_SUCCESS, 0);
  header.writeUInt16BE(attribute.length, 2);
  return Buffer.concat([header, cookieAndId, attribute]);
}
