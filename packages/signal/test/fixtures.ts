/**
 * Hand-written session descriptions in the shapes browsers produce. Real ones are captured at
 * test time by test/e2e; these pin the shapes of engines the suite cannot run (Firefox,
 * Safari) and edge cases.
 */
const CHROMIUM_FINGERPRINT =
  'sha-256 5A:0B:7E:91:C3:44:2F:D8:16:E0:3B:9C:72:AD:58:01:F6:4E:29:B7:CA:13:8D:65:F0:42:9E:1B:D3:77:0C:A8';

/** A description whose SDP is always there, so tests need not check. */
export interface Fixture {
  type: 'offer' | 'answer';
  sdp: string;
}

function lines(...text: string[]): string {
  return `${text.join('\r\n')}\r\n`;
}

/** Chromium data-channel answer with its one mDNS host candidate (586 bytes as in the brief). */
export const chromiumAnswerMdns: Fixture = {
  type: 'answer',
  sdp: lines(
    'v=0',
    'o=- 6418251046356920316 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:2739407372 1 udp 2113937151 6f0a8a3e-39e1-4f5e-9a2c-3b1f7a2d4e5c.local 51473 typ host generation 0 network-cost 999',
    'a=ice-ufrag:Xy7Q',
    'a=ice-pwd:t1n2G8vQm6PZr4kL0cS9bW3e',
    'a=ice-options:trickle',
    `a=fingerprint:${CHROMIUM_FINGERPRINT}`,
    'a=setup:active',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ),
};

export const chromiumOfferRaw: Fixture = {
  type: 'offer',
  sdp: lines(
    'v=0',
    'o=- 2306385629093146377 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:1467250027 1 udp 2122260223 192.168.1.20 46243 typ host generation 0 network-id 1',
    'a=candidate:2688373462 1 udp 2122262783 2001:db8:85a3::8a2e:370:7334 57621 typ host generation 0 network-id 2',
    'a=candidate:842163049 1 udp 1686052607 203.0.113.7 46243 typ srflx raddr 192.168.1.20 rport 46243 generation 0 network-id 1',
    'a=candidate:1738549532 1 tcp 1518280447 192.168.1.20 9 typ host tcptype active generation 0 network-id 1',
    'a=ice-ufrag:9kHw',
    'a=ice-pwd:Zm0+e/T3e8fYx2qNhP5sLk1a',
    'a=ice-options:trickle',
    `a=fingerprint:${CHROMIUM_FINGERPRINT}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ),
};

/** Firefox: 8-hex ufrag, 32-hex pwd, session-level fingerprint and flags, end-of-candidates. */
export const firefoxOffer: Fixture = {
  type: 'offer',
  sdp: lines(
    'v=0',
    'o=mozilla...THIS_IS_SDPARTA-128.0 5361416458282934433 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=sendrecv',
    'a=fingerprint:sha-256 1F:8C:4A:22:90:DE:6B:03:B5:77:E1:5C:2A:98:0D:F3:46:BA:71:0E:C9:5D:83:24:FA:6E:12:B0:3C:97:D5:48',
    'a=group:BUNDLE 0',
    'a=ice-options:trickle',
    'a=msid-semantic:WMS *',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:0 1 UDP 2122252543 c1f1d7a2-5e8b-4c3d-9f60-1a2b3c4d5e6f.local 53467 typ host',
    'a=candidate:1 1 TCP 2105524479 c1f1d7a2-5e8b-4c3d-9f60-1a2b3c4d5e6f.local 9 typ host tcptype active',
    'a=sendrecv',
    'a=end-of-candidates',
    'a=ice-pwd:8c2f1e0a9b7d6c5e4f3a2b1c0d9e8f7a',
    'a=ice-ufrag:3fa9c1d2',
    'a=mid:0',
    'a=setup:actpass',
    'a=sctp-port:5000',
    'a=max-message-size:1073741823',
  ),
};

export const firefoxAnswer: Fixture = {
  type: 'answer',
  sdp: lines(
    'v=0',
    'o=mozilla...THIS_IS_SDPARTA-128.0 7740917513520138561 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=sendrecv',
    'a=fingerprint:sha-256 A4:19:6D:E2:0B:57:C8:33:9F:1A:64:DE:07:B2:85:4C:E9:30:7A:F1:2D:C6:58:0E:93:BB:41:7F:16:A8:D2:6C',
    'a=group:BUNDLE 0',
    'a=ice-options:trickle',
    'a=msid-semantic:WMS *',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:0 1 UDP 2122187007 0d4e5f6a-7b8c-4d9e-8f01-23456789abcd.local 60512 typ host',
    'a=sendrecv',
    'a=end-of-candidates',
    'a=ice-pwd:f0e1d2c3b4a5968778695a4b3c2d1e0f',
    'a=ice-ufrag:a1b2c3d4',
    'a=mid:0',
    'a=setup:active',
    'a=sctp-port:5000',
    'a=max-message-size:1073741823',
  ),
};

/** Safari (WebKit's libwebrtc): Chromium's shape, with its own mDNS names. */
export const safariAnswer: Fixture = {
  type: 'answer',
  sdp: lines(
    'v=0',
    'o=- 8052717513296530913 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=candidate:3416413456 1 udp 2113937151 5e2b8c71-9d40-4a6f-b3e1-0c7d2f9a4b68.local 62114 typ host generation 0 network-cost 999',
    'a=ice-ufrag:Qm3c',
    'a=ice-pwd:Vb8pXr2LhT0wZy6nKd4sJf1g',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 0E:61:B9:2C:D4:87:3A:F5:18:CB:60:9D:E2:47:A1:0F:5B:C8:36:E9:72:1D:A4:8F:03:B6:5E:C1:29:74:DA:8B',
    'a=setup:active',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ),
};

/** An audio session: nothing the compact form carries, so it must take the fallback. */
export const chromiumAudioOffer: Fixture = {
  type: 'offer',
  sdp: lines(
    'v=0',
    'o=- 3861540021387414290 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS 7b2f',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=candidate:1467250027 1 udp 2122260223 192.168.1.20 46243 typ host generation 0 network-id 1',
    'a=ice-ufrag:9kHw',
    'a=ice-pwd:Zm0+e/T3e8fYx2qNhP5sLk1a',
    'a=ice-options:trickle',
    `a=fingerprint:${CHROMIUM_FINGERPRINT}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=sendrecv',
    'a=msid:7b2f 0c6d',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000',
    'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    'a=ssrc:3735928559 cname:f3Zb9Xq2Lm0Pw7Tn',
    'a=ssrc:3735928559 msid:7b2f 0c6d',
  ),
};
