/** SRTP/SRTCP (RFC 3711, RFC 6188, RFC 7714, RFC 6904) and SDES keys (RFC 4568), sans-IO. */
export { ALL_SRTP_SUITE_NAMES, SRTP_SUITE_NAMES, getSrtpSuite, isSrtpSuiteName, masterKeySaltLength, type SrtpCipher, type SrtpSuite, type SrtpSuiteName } from './suites.js';
export { SrtpLabel, deriveKey, deriveSessionKeys, type SessionKeys } from './kdf.js';
export { ReplayWindow, type ReplayVerdict } from './replay-window.js';
export { SrtpContext, estimateRoc, rtpHeaderLength, type SrtpContextOptions, type SrtpFailure, type SrtpKeyMaterial, type SrtpStats } from './srtp-context.js';
export { SrtcpContext } from './srtcp-context.js';
export {
  decodeKeySalt,
  formatCryptoAttribute,
  generateKeySalt,
  keyMaterial,
  keyMaterialFromSdes,
  parseCryptoAttribute,
  type SdesCrypto,
  type SdesKeyParam,
} from './sdes.js';
export { SrtpTransform, type SrtpTransformFailure, type SrtpTransformOptions, type SrtpTransformStats } from './srtp-transform.js';
