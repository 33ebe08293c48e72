// The runtime-neutral packages' types, checked with lib ES2022 alone (no DOM, no Node).
import { MAILBOX_PATHS } from '@webrtc-connect/protocol';
import { decodeSignal, encodeSignal, type SessionDescription } from '@webrtc-connect/signal';

const description: SessionDescription = decodeSignal(encodeSignal({ type: 'offer', sdp: '' }));
export const checked: [string, SessionDescription] = [MAILBOX_PATHS.offers, description];
