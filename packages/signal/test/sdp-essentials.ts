/** The facts of an SDP a peer needs to connect, in a comparable form. */
export function essentials(sdp: string) {
  const attribute = (name: string) =>
    sdp
      .split(/\r?\n/)
      .filter((line) => line.startsWith(`a=${name}:`))
      .map((line) => line.slice(name.length + 3));
  return {
    ufrag: attribute('ice-ufrag')[0],
    pwd: attribute('ice-pwd')[0],
    fingerprint: attribute('fingerprint')[0]?.toUpperCase().replace('SHA', 'sha'),
    setup: attribute('setup')[0],
    mid: attribute('mid')[0],
    candidates: attribute('candidate').map((value) => {
      const fields = value.split(' ');
      const tcpType = fields.indexOf('tcptype');
      return [
        fields[2]?.toLowerCase(),
        fields[4],
        fields[5],
        fields[7],
        tcpType > 0 ? fields[tcpType + 1] : null,
      ].join(' ');
    }),
  };
}
