import { RTCPeerConnection as NdcPeerConnection } from 'node-datachannel/polyfill';
import { retryOnNdcRace } from './ndc-race.ts';
import { assertPrivateNetns } from './netns.ts';
import { withTimeout } from './timeout.ts';

export interface ChannelPair {
  /** The offerer's channel (it created it). */
  a: RTCDataChannel;
  /** The answerer's end of the same channel. */
  b: RTCDataChannel;
  close(): void;
}

/**
 * Two node-datachannel peers joined by one open data channel: the descriptions go straight
 * across, for tests of what runs over a channel rather than of how peers meet.
 */
export async function openChannelPair(init: RTCDataChannelInit = {}): Promise<ChannelPair> {
  assertPrivateNetns();
  return retryOnNdcRace('a channel pair', () => connect(init));
}

async function connect(init: RTCDataChannelInit): Promise<ChannelPair> {
  // The polyfill's class declares a few members differently from lib.dom's; at runtime it is
  // the W3C API.
  const PeerConnection = NdcPeerConnection as unknown as typeof RTCPeerConnection;
  const offerer = new PeerConnection({ iceServers: [] });
  const answerer = new PeerConnection({ iceServers: [] });
  const close = () => {
    offerer.close();
    answerer.close();
  };
  try {
    const a = offerer.createDataChannel('channel-pair', init);
    const b = new Promise<RTCDataChannel>((resolve) =>
      answerer.addEventListener('datachannel', (event) => resolve(event.channel), { once: true }),
    );
    await answerer.setRemoteDescription(await gathered(offerer, await offerer.createOffer()));
    await offerer.setRemoteDescription(await gathered(answerer, await answerer.createAnswer()));
    const [, channelB] = await withTimeout(
      Promise.all([opened(a), b.then(opened)]),
      10_000,
      'the channel pair opens',
    );
    return { a, b: channelB, close };
  } catch (error) {
    close();
    throw error;
  }
}

async function gathered(
  pc: RTCPeerConnection,
  description: RTCSessionDescriptionInit,
): Promise<RTCSessionDescriptionInit> {
  const complete = new Promise<void>((resolve) => {
    const check = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', check);
  });
  await pc.setLocalDescription(description);
  if (pc.iceGatheringState !== 'complete') await complete;
  const local = pc.localDescription;
  if (!local) throw new Error('no local description after gathering');
  return { type: local.type, sdp: local.sdp };
}

function opened(channel: RTCDataChannel): Promise<RTCDataChannel> {
  if (channel.readyState === 'open') return Promise.resolve(channel);
  return new Promise((resolve) =>
    channel.addEventListener('open', () => resolve(channel), { once: true }),
  );
}
