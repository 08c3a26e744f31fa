/**
 * CRC-32C (Castagnoli) for the ZRTP packet trailer, RFC 6189 §5.1.1 (the CRC of RFC 3309 /
 * SCTP: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF).
 *
 * The 32-bit CRC is carried least-significant byte first on the wire (as SCTP does, RFC 3309
 * appendix); every packet of the shared bzrtp exchange verifies only in that order.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The standard CRC-32C of `data` (e.g. crc32c("123456789") = 0xE3069283). */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Writes the ZRTP trailer: `crc` least-significant byte first (RFC 6189 §5.1.1, RFC 3309). */
export function writeCrcTrailer(out: Uint8Array, offset: number, crc: number): void {
  out[offset] = crc & 0xff;
  out[offset + 1] = (crc >>> 8) & 0xff;
  out[offset + 2] = (crc >>> 16) & 0xff;
  out[offset + 3] = (crc >>> 24) & 0xff;
}

/** Reads the ZRTP trailer at `offset` (least-significant byte first). */
export function readCrcTrailer(buf: Uint8Array, offset: number): number {
  return (buf[offset] | (buf[offset + 1] << 8) | (buf[offset + 2] << 16) | (buf[offset + 3] << 24)) >>> 0;
}
