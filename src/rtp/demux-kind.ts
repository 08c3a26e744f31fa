/**
 * Classifies a datagram arriving on a shared port by its first bytes (RFC 7983 §7, which
 * updates RFC 5764 §5.1.2), and RTP from RTCP when they share a port (RFC 5761 §4). A pure
 * function: sockets and handler registration live in net/.
 *
 *   first byte   0..3     STUN            (RFC 7983)
 *               16..19    ZRTP            (RFC 7983; RFC 6189 §5: plus the 'ZRTP' magic cookie)
 *               20..63    DTLS            (RFC 7983)
 *               64..79    TURN ChannelData (RFC 7983)
 *              128..191   RTP or RTCP     (RFC 7983; told apart by RFC 5761 §4)
 */

export type DatagramKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'rtcp' | 'unknown';

/** RFC 6189 §5: the ZRTP magic cookie 'ZRTP' (0x5a525450) in the second word. */
const ZRTP_COOKIE = [0x5a, 0x52, 0x54, 0x50] as const;

/**
 * The kind of `buf`. Besides the first-byte ranges, each kind needs its minimum header size
 * (STUN 20, DTLS record 13, ZRTP 12, TURN ChannelData 4, RTP 12, RTCP 4); shorter or
 * unmatched datagrams are 'unknown'. RTP vs RTCP: a second byte (RTCP packet type, or RTP
 * marker + payload type) in 192..223 is RTCP (RFC 5761 §4), which is why RTP must not use
 * payload types 64..95 when muxed.
 */
export function classifyDatagram(buf: Uint8Array): DatagramKind {
  const n = buf.length;
  if (n === 0) return 'unknown';
  const b0 = buf[0];
  if (b0 <= 3) return n >= 20 ? 'stun' : 'unknown';
  if (b0 >= 16 && b0 <= 19) {
    // RFC 6189 §5: ZRTP packets start 0001 (then unused bits) and carry the cookie at offset 4.
    return n >= 12 && buf[4] === ZRTP_COOKIE[0] && buf[5] === ZRTP_COOKIE[1] && buf[6] === ZRTP_COOKIE[2] && buf[7] === ZRTP_COOKIE[3]
      ? 'zrtp'
      : 'unknown';
  }
  if (b0 >= 20 && b0 <= 63) return n >= 13 ? 'dtls' : 'unknown';
  if (b0 >= 64 && b0 <= 79) return n >= 4 ? 'turn-channel' : 'unknown';
  if (b0 >= 128 && b0 <= 191) {
    if (n < 2) return 'unknown';
    const b1 = buf[1];
    if (b1 >= 192 && b1 <= 223) return n >= 4 ? 'rtcp' : 'unknown';
    return n >= 12 ? 'rtp' : 'unknown';
  }
  return 'unknown';
}

/** True for RTP or RTCP (first byte 128..191, RFC 7983 §7). */
export function isRtpOrRtcp(buf: Uint8Array): boolean {
  return buf.length > 0 && buf[0] >= 128 && buf[0] <= 191;
}
