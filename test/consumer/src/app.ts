// An app that imports every entry point of the published packages, as their users do, and hands
// the test a link connection (both sides) and a sound listener as `window.consumer`.

import { MAX_PAYLOAD, modulate } from '@webrtc-connect/modem';
import { decodeSignal, encodeSignal, fromLinkText, toLinkText } from '@webrtc-connect/signal';
import { CONNECT_ERROR_CODES, createMessenger } from 'webrtc-connect';
import { joinAccount } from 'webrtc-connect/account';
import { acceptLink, createLink } from 'webrtc-connect/link';
import { webAudioSound } from 'webrtc-connect/sound';

export interface Consumer {
  /** Each entry point's export, as the kind of thing it is (so none is tree-shaken away). */
  entryPoints(): Record<string, string>;
  /** A's side: makes a link on this page's server; `received` resolves with B's first message. */
  offer(): Promise<string>;
  received(): Promise<string>;
  /** B's side: opens the link, connects, and sends `text`. */
  answer(link: string, text: string): Promise<void>;
  /** Listens on the microphone for both modem profiles; resolves with the first payload. */
  listen(): Promise<number[]>;
}

let firstMessage: Promise<string> | undefined;

const consumer: Consumer = {
  entryPoints: () => ({
    root: typeof createMessenger,
    errors: typeof CONNECT_ERROR_CODES,
    link: typeof createLink,
    account: typeof joinAccount,
    sound: typeof webAudioSound,
    signal: [encodeSignal, decodeSignal, toLinkText, fromLinkText].map((f) => typeof f).join(' '),
    modem: `${typeof modulate} ${MAX_PAYLOAD}`,
  }),
  async offer() {
    const invitation = await createLink({ RTCPeerConnection, mailbox: location.origin });
    firstMessage = invitation.connected.then(
      ({ channel }) =>
        new Promise<string>((resolve) => {
          channel.onmessage = (event: MessageEvent<string>) => resolve(event.data);
        }),
    );
    return invitation.link;
  },
  received() {
    if (!firstMessage) throw new Error('no link made yet');
    return firstMessage;
  },
  async answer(link, text) {
    const acceptance = await acceptLink(link, { RTCPeerConnection });
    const { channel } = await acceptance.connected;
    channel.send(text);
  },
  async listen() {
    const sound = webAudioSound();
    return new Promise<number[]>((resolve, reject) => {
      sound.microphone
        .listen({
          profiles: ['fast', 'robust'],
          onPayload: (payload) => {
            sound.close();
            resolve([...payload]);
          },
          onLevel: () => {},
        })
        .catch(reject);
    });
  },
};

(globalThis as unknown as { consumer: Consumer }).consumer = consumer;
