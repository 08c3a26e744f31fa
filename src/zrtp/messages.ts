/**
 * ZRTP messages, RFC 6189 §5. Every message starts with the header of §5.1:
 * preamble 0x505a (16 bits), length in 32-bit words including the header (16 bits) and an
 * 8-character type block ("Hello   ", "Commit  " …). Parsers are strict about lengths and throw
 * ParseError; serialisers produce the exact bytes a parse read (fields of 4-character algorithm
 * names and the client identifier are kept as latin1 strings, so any byte survives a round trip).
 *
 * The Confirm1/Confirm2 encrypted part is kept as bytes here; see `confirm.ts` to decrypt it.
 * SASrelay/RelayACK (§5.13/§5.14) are not supported yet and are rejected with ParseError.
 */
import { ParseError } from '../core/errors.js';
import { ZRTP_PREAMBLE } from './packet.js';

/** Message type blocks, RFC 6189 §5.1 (8 ASCII characters, space padded). */
export const MESSAGE_TYPE_BLOCKS = {
  Hello: 'Hello   ',
  HelloACK: 'HelloACK',
  Commit: 'Commit  ',
  DHPart1: 'DHPart1 ',
  DHPart2: 'DHPart2 ',
  Confirm1: 'Confirm1',
  Confirm2: 'Confirm2',
  Conf2ACK: 'Conf2ACK',
  Error: 'Error   ',
  ErrorACK: 'ErrorACK',
  GoClear: 'GoClear ',
  ClearACK: 'ClearACK',
  Ping: 'Ping    ',
  PingACK: 'PingACK ',
} as const;
export type ZrtpMessageType = keyof typeof MESSAGE_TYPE_BLOCKS;

/** Hello, RFC 6189 §5.2. */
export interface HelloMessage {
  type: 'Hello';
  /** 4 characters, "1.10" for RFC 6189. */
  version: string;
  /** 16 characters identifying the implementation. */
  clientId: string;
  /** H3 of the hash chain (32 bytes, §9). */
  h3: Uint8Array;
  /** ZRTP identifier (12 bytes, §4.9). */
  zid: Uint8Array;
  /** S: signature-capable flag. */
  signatureCapable: boolean;
  /** M: MiTM flag (PBX). */
  mitm: boolean;
  /** P: passive flag. */
  passive: boolean;
  /** Hash types (§5.1.2), e.g. "S256". */
  hashTypes: string[];
  /** Cipher types (§5.1.3), e.g. "AES1". */
  cipherTypes: string[];
  /** SRTP auth tag types (§5.1.4), e.g. "HS32". */
  authTagTypes: string[];
  /** Key agreement types (§5.1.5), e.g. "DH3k", "Mult". */
  keyAgreementTypes: string[];
  /** SAS types (§5.1.6), e.g. "B32". */
  sasTypes: string[];
  /** HMAC(H2, message without the MAC), first 8 bytes (§9). */
  mac: Uint8Array;
}

export interface HelloAckMessage { type: 'HelloACK' }
export interface Conf2AckMessage { type: 'Conf2ACK' }
export interface ErrorAckMessage { type: 'ErrorACK' }
export interface ClearAckMessage { type: 'ClearACK' }

interface CommitCommon {
  type: 'Commit';
  /** H2 of the hash chain (§9). */
  h2: Uint8Array;
  /** Initiator's ZID (12 bytes). */
  zid: Uint8Array;
  hashType: string;
  cipherType: string;
  authTagType: string;
  keyAgreementType: string;
  sasType: string;
  /** HMAC(H1, message without the MAC), first 8 bytes (§9). */
  mac: Uint8Array;
}
/** Commit in Diffie-Hellman mode, RFC 6189 §5.4.1: carries hvi (32 bytes). */
export interface CommitDhMessage extends CommitCommon { mode: 'dh'; hvi: Uint8Array }
/** Commit in multistream mode (key agreement "Mult"), §5.4.2: a 16-byte nonce. */
export interface CommitMultistreamMessage extends CommitCommon { mode: 'multistream'; nonce: Uint8Array }
/** Commit in preshared mode (key agreement "Prsh"), §5.4.3: a 16-byte nonce and an 8-byte key ID. */
export interface CommitPresharedMessage extends CommitCommon { mode: 'preshared'; nonce: Uint8Array; keyId: Uint8Array }
export type CommitMessage = CommitDhMessage | CommitMultistreamMessage | CommitPresharedMessage;

/** DHPart1 (§5.5) and DHPart2 (§5.6): the same layout. */
export interface DhPartMessage {
  type: 'DHPart1' | 'DHPart2';
  /** H1 of the hash chain (§9). */
  h1: Uint8Array;
  /** rs1IDr / rs1IDi, rs2ID, auxsecretID, pbxsecretID: 8 bytes each (§4.3.1). */
  rs1Id: Uint8Array;
  rs2Id: Uint8Array;
  auxSecretId: Uint8Array;
  pbxSecretId: Uint8Array;
  /** The public value (its length depends on the key agreement, see `PUBLIC_VALUE_LENGTH`). */
  publicValue: Uint8Array;
  /** HMAC(H0, message without the MAC), first 8 bytes (§9). */
  mac: Uint8Array;
}

/** Confirm1/Confirm2, RFC 6189 §5.7. */
export interface ConfirmMessage {
  type: 'Confirm1' | 'Confirm2';
  /** HMAC(mackey, encrypted part), first 8 bytes. */
  confirmMac: Uint8Array;
  /** 16-byte CFB initialisation vector. */
  iv: Uint8Array;
  /** The encrypted part (H0, flags, cache expiry, optional signature): at least 40 bytes. */
  encrypted: Uint8Array;
}

/** Error, RFC 6189 §5.9: a 32-bit error code (§5.9 table, e.g. 0x40 = DH error bad pvi). */
export interface ErrorMessage { type: 'Error'; code: number }
/** GoClear, RFC 6189 §5.11: clear_mac (8 bytes). */
export interface GoClearMessage { type: 'GoClear'; clearMac: Uint8Array }
/** Ping, RFC 6189 §5.15. */
export interface PingMessage { type: 'Ping'; version: string; endpointHash: Uint8Array }
/** PingACK, RFC 6189 §5.16. */
export interface PingAckMessage {
  type: 'PingACK';
  version: string;
  senderEndpointHash: Uint8Array;
  receivedEndpointHash: Uint8Array;
  /** SSRC of the received Ping packet. */
  receivedSsrc: number;
}

export type ZrtpMessage =
  | HelloMessage
  | HelloAckMessage
  | CommitMessage
  | DhPartMessage
  | ConfirmMessage
  | Conf2AckMessage
  | ErrorMessage
  | ErrorAckMessage
  | GoClearMessage
  | ClearAckMessage
  | PingMessage
  | PingAckMessage;

/** Public value length in bytes per key agreement type (RFC 6189 §5.1.5). */
export const PUBLIC_VALUE_LENGTH: Readonly<Record<string, number>> = {
  DH2k: 256,
  DH3k: 384,
  EC25: 64,
  EC38: 96,
  EC52: 132,
};

/** ZRTP error codes, RFC 6189 §5.9. */
export const ZRTP_ERROR_CODES: Readonly<Record<number, string>> = {
  0x10: 'Malformed packet (CRC OK, but wrong structure)',
  0x20: 'Critical software error',
  0x30: 'Unsupported ZRTP version',
  0x40: 'Hello components mismatch',
  0x51: 'Hash Type not supported',
  0x52: 'Cipher Type not supported',
  0x53: 'Public key exchange not supported',
  0x54: 'SRTP auth tag not supported',
  0x55: 'SAS rendering scheme not supported',
  0x56: 'No shared secret available, DH mode required',
  0x61: 'DH Error: bad pvi or pvr ( == 1, 0, or p-1)',
  0x62: 'DH Error: hvi != hashed data',
  0x63: 'Received relayed SAS from untrusted MiTM',
  0x70: 'Auth Error: Bad Confirm pkt MAC',
  0x80: 'Nonce reuse',
  0x90: 'Equal ZIDs in Hello',
  0x91: 'SSRC collision',
  0xa0: 'Service unavailable',
  0xb0: 'Protocol timeout error',
  0x100: 'GoClear message received, but not allowed',
};

const HEADER = 12;
const MAC = 8;

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
function putLatin1(out: Uint8Array, off: number, s: string, len: number, what: string): void {
  if (s.length !== len) throw new RangeError(`${what}: "${s}" must be exactly ${len} characters`);
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`${what}: "${s}" has a character outside latin1`);
    out[off + i] = c;
  }
}
function putBytes(out: Uint8Array, off: number, b: Uint8Array, len: number, what: string): void {
  if (b.length !== len) throw new RangeError(`${what}: ${b.length} bytes, expected ${len}`);
  out.set(b, off);
}

/** The 8-character type block of a message (RFC 6189 §5.1), or undefined when too short. */
export function messageTypeBlock(message: Uint8Array): string | undefined {
  return message.length >= HEADER ? latin1(message.subarray(4, 12)) : undefined;
}

const BLOCK_TO_TYPE: ReadonlyMap<string, ZrtpMessageType> = new Map(
  (Object.entries(MESSAGE_TYPE_BLOCKS) as [ZrtpMessageType, string][]).map(([k, v]) => [v, k]),
);

/**
 * Parses a ZRTP message (the part of a packet between the source identifier and the CRC).
 * Throws ParseError on a bad preamble, a length field that does not match, an unknown type or a
 * length wrong for the type (RFC 6189 §5).
 */
export function parseMessage(m: Uint8Array): ZrtpMessage {
  if (m.length < HEADER) throw new ParseError('ZRTP message', `${m.length} bytes, at least 12 needed`);
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  if (dv.getUint16(0) !== ZRTP_PREAMBLE) throw new ParseError('ZRTP message', `preamble 0x${dv.getUint16(0).toString(16)}, expected 0x505a (RFC 6189 §5.1)`);
  const words = dv.getUint16(2);
  if (words * 4 !== m.length) throw new ParseError('ZRTP message', `length field ${words} words but ${m.length} bytes present`);
  const block = latin1(m.subarray(4, 12));
  const type = BLOCK_TO_TYPE.get(block);
  if (type === undefined) throw new ParseError('ZRTP message', `unsupported message type ${JSON.stringify(block)}`);
  const what = `ZRTP ${type}`;
  const need = (n: number, section: string): void => {
    if (m.length !== n) throw new ParseError(what, `${m.length} bytes, expected ${n} (RFC 6189 ${section})`);
  };
  const bytes = (off: number, len: number): Uint8Array => m.slice(off, off + len);
  switch (type) {
    case 'HelloACK':
    case 'Conf2ACK':
    case 'ErrorACK':
    case 'ClearACK':
      need(HEADER, type === 'HelloACK' ? '§5.3' : type === 'Conf2ACK' ? '§5.8' : type === 'ErrorACK' ? '§5.10' : '§5.12');
      return { type };
    case 'Hello': {
      // §5.2: version 4, client id 16, H3 32, ZID 12, flags/counts word, algorithms, MAC 8.
      if (m.length < 88) throw new ParseError(what, `${m.length} bytes, at least 88 needed (RFC 6189 §5.2)`);
      const w = dv.getUint32(76);
      const counts = [(w >>> 16) & 0xf, (w >>> 12) & 0xf, (w >>> 8) & 0xf, (w >>> 4) & 0xf, w & 0xf];
      // The first bit and the 8 unused bits are sent as zero and ignored on receipt (§5.2).
      const total = counts.reduce((a, b) => a + b, 0);
      need(88 + 4 * total, '§5.2');
      let off = 80;
      const lists = counts.map((n) => {
        const list: string[] = [];
        for (let i = 0; i < n; i++, off += 4) list.push(latin1(m.subarray(off, off + 4)));
        return list;
      });
      return {
        type,
        version: latin1(m.subarray(12, 16)),
        clientId: latin1(m.subarray(16, 32)),
        h3: bytes(32, 32),
        zid: bytes(64, 12),
        signatureCapable: ((w >>> 30) & 1) === 1,
        mitm: ((w >>> 29) & 1) === 1,
        passive: ((w >>> 28) & 1) === 1,
        hashTypes: lists[0],
        cipherTypes: lists[1],
        authTagTypes: lists[2],
        keyAgreementTypes: lists[3],
        sasTypes: lists[4],
        mac: bytes(m.length - MAC, MAC),
      };
    }
    case 'Commit': {
      // §5.4: H2 32, ZID 12, hash/cipher/auth/key agreement/SAS 4 each, then by mode, MAC 8.
      if (m.length < 76) throw new ParseError(what, `${m.length} bytes, at least 76 needed (RFC 6189 §5.4)`);
      const common = {
        type,
        h2: bytes(12, 32),
        zid: bytes(44, 12),
        hashType: latin1(m.subarray(56, 60)),
        cipherType: latin1(m.subarray(60, 64)),
        authTagType: latin1(m.subarray(64, 68)),
        keyAgreementType: latin1(m.subarray(68, 72)),
        sasType: latin1(m.subarray(72, 76)),
        mac: bytes(m.length - MAC, MAC),
      } as const;
      if (common.keyAgreementType === 'Mult') {
        need(100, '§5.4.2');
        return { ...common, mode: 'multistream', nonce: bytes(76, 16) };
      }
      if (common.keyAgreementType === 'Prsh') {
        need(108, '§5.4.3');
        return { ...common, mode: 'preshared', nonce: bytes(76, 16), keyId: bytes(92, 8) };
      }
      need(116, '§5.4.1');
      return { ...common, mode: 'dh', hvi: bytes(76, 32) };
    }
    case 'DHPart1':
    case 'DHPart2': {
      // §5.5/§5.6: H1 32, rs1ID, rs2ID, auxsecretID, pbxsecretID 8 each, pv, MAC 8.
      if (m.length < 88) throw new ParseError(what, `${m.length} bytes, at least 88 needed (a public value of at least 4 bytes, RFC 6189 §5.5)`);
      return {
        type,
        h1: bytes(12, 32),
        rs1Id: bytes(44, 8),
        rs2Id: bytes(52, 8),
        auxSecretId: bytes(60, 8),
        pbxSecretId: bytes(68, 8),
        publicValue: bytes(76, m.length - 76 - MAC),
        mac: bytes(m.length - MAC, MAC),
      };
    }
    case 'Confirm1':
    case 'Confirm2': {
      // §5.7: confirm_mac 8, CFB IV 16, encrypted H0 32 + flags word + cache expiry 4 (+ signature).
      if (m.length < 76) throw new ParseError(what, `${m.length} bytes, at least 76 needed (RFC 6189 §5.7)`);
      return { type, confirmMac: bytes(12, 8), iv: bytes(20, 16), encrypted: bytes(36, m.length - 36) };
    }
    case 'Error':
      need(16, '§5.9');
      return { type, code: dv.getUint32(12) };
    case 'GoClear':
      need(20, '§5.11');
      return { type, clearMac: bytes(12, 8) };
    case 'Ping':
      need(24, '§5.15');
      return { type, version: latin1(m.subarray(12, 16)), endpointHash: bytes(16, 8) };
    case 'PingACK':
      need(36, '§5.16');
      return {
        type,
        version: latin1(m.subarray(12, 16)),
        senderEndpointHash: bytes(16, 8),
        receivedEndpointHash: bytes(24, 8),
        receivedSsrc: dv.getUint32(32),
      };
  }
}

function messageLength(msg: ZrtpMessage): number {
  switch (msg.type) {
    case 'HelloACK':
    case 'Conf2ACK':
    case 'ErrorACK':
    case 'ClearACK':
      return HEADER;
    case 'Hello':
      return 88 + 4 * (msg.hashTypes.length + msg.cipherTypes.length + msg.authTagTypes.length + msg.keyAgreementTypes.length + msg.sasTypes.length);
    case 'Commit':
      return msg.mode === 'dh' ? 116 : msg.mode === 'multistream' ? 100 : 108;
    case 'DHPart1':
    case 'DHPart2':
      return 84 + msg.publicValue.length;
    case 'Confirm1':
    case 'Confirm2':
      return 36 + msg.encrypted.length;
    case 'Error':
      return 16;
    case 'GoClear':
      return 20;
    case 'Ping':
      return 24;
    case 'PingACK':
      return 36;
  }
}

/**
 * Serialises a message (RFC 6189 §5). Throws RangeError when a field has the wrong size (an
 * algorithm name not 4 characters, a hash image not 32 bytes …) or a Hello list has more than 15
 * entries (4-bit counts, §5.2; the RFC further limits each to 7).
 */
export function serializeMessage(msg: ZrtpMessage): Uint8Array {
  const len = messageLength(msg);
  if (len % 4 !== 0) throw new RangeError(`ZRTP ${msg.type}: ${len} bytes is not a whole number of words`);
  if (len / 4 > 0xffff) throw new RangeError(`ZRTP ${msg.type}: ${len} bytes is too long`);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, ZRTP_PREAMBLE);
  dv.setUint16(2, len / 4);
  putLatin1(out, 4, MESSAGE_TYPE_BLOCKS[msg.type], 8, 'type block');
  const w = `ZRTP ${msg.type}`;
  switch (msg.type) {
    case 'HelloACK':
    case 'Conf2ACK':
    case 'ErrorACK':
    case 'ClearACK':
      break;
    case 'Hello': {
      putLatin1(out, 12, msg.version, 4, `${w} version`);
      putLatin1(out, 16, msg.clientId, 16, `${w} client identifier`);
      putBytes(out, 32, msg.h3, 32, `${w} H3`);
      putBytes(out, 64, msg.zid, 12, `${w} ZID`);
      const lists = [msg.hashTypes, msg.cipherTypes, msg.authTagTypes, msg.keyAgreementTypes, msg.sasTypes];
      let word = (msg.signatureCapable ? 1 << 30 : 0) | (msg.mitm ? 1 << 29 : 0) | (msg.passive ? 1 << 28 : 0);
      lists.forEach((l, i) => {
        if (l.length > 15) throw new RangeError(`${w}: ${l.length} algorithms in one list, at most 15 fit`);
        word |= l.length << (16 - 4 * i);
      });
      dv.setUint32(76, word >>> 0);
      let off = 80;
      for (const l of lists) for (const name of l) (putLatin1(out, off, name, 4, `${w} algorithm`), (off += 4));
      putBytes(out, off, msg.mac, MAC, `${w} MAC`);
      break;
    }
    case 'Commit': {
      putBytes(out, 12, msg.h2, 32, `${w} H2`);
      putBytes(out, 44, msg.zid, 12, `${w} ZID`);
      putLatin1(out, 56, msg.hashType, 4, `${w} hash type`);
      putLatin1(out, 60, msg.cipherType, 4, `${w} cipher type`);
      putLatin1(out, 64, msg.authTagType, 4, `${w} auth tag type`);
      putLatin1(out, 68, msg.keyAgreementType, 4, `${w} key agreement type`);
      putLatin1(out, 72, msg.sasType, 4, `${w} SAS type`);
      const expected = msg.mode === 'multistream' ? 'Mult' : msg.mode === 'preshared' ? 'Prsh' : undefined;
      if (expected ? msg.keyAgreementType !== expected : msg.keyAgreementType === 'Mult' || msg.keyAgreementType === 'Prsh') {
        throw new RangeError(`${w}: mode ${msg.mode} does not fit key agreement type ${msg.keyAgreementType} (RFC 6189 §5.4)`);
      }
      if (msg.mode === 'dh') putBytes(out, 76, msg.hvi, 32, `${w} hvi`);
      else {
        putBytes(out, 76, msg.nonce, 16, `${w} nonce`);
        if (msg.mode === 'preshared') putBytes(out, 92, msg.keyId, 8, `${w} key ID`);
      }
      putBytes(out, len - MAC, msg.mac, MAC, `${w} MAC`);
      break;
    }
    case 'DHPart1':
    case 'DHPart2':
      putBytes(out, 12, msg.h1, 32, `${w} H1`);
      putBytes(out, 44, msg.rs1Id, 8, `${w} rs1ID`);
      putBytes(out, 52, msg.rs2Id, 8, `${w} rs2ID`);
      putBytes(out, 60, msg.auxSecretId, 8, `${w} auxsecretID`);
      putBytes(out, 68, msg.pbxSecretId, 8, `${w} pbxsecretID`);
      out.set(msg.publicValue, 76);
      putBytes(out, len - MAC, msg.mac, MAC, `${w} MAC`);
      break;
    case 'Confirm1':
    case 'Confirm2':
      if (msg.encrypted.length < 40) throw new RangeError(`${w}: encrypted part ${msg.encrypted.length} bytes, at least 40 (RFC 6189 §5.7)`);
      putBytes(out, 12, msg.confirmMac, 8, `${w} confirm_mac`);
      putBytes(out, 20, msg.iv, 16, `${w} CFB IV`);
      out.set(msg.encrypted, 36);
      break;
    case 'Error':
      dv.setUint32(12, msg.code >>> 0);
      break;
    case 'GoClear':
      putBytes(out, 12, msg.clearMac, 8, `${w} clear_mac`);
      break;
    case 'Ping':
      putLatin1(out, 12, msg.version, 4, `${w} version`);
      putBytes(out, 16, msg.endpointHash, 8, `${w} endpoint hash`);
      break;
    case 'PingACK':
      putLatin1(out, 12, msg.version, 4, `${w} version`);
      putBytes(out, 16, msg.senderEndpointHash, 8, `${w} sender endpoint hash`);
      putBytes(out, 24, msg.receivedEndpointHash, 8, `${w} received endpoint hash`);
      dv.setUint32(32, msg.receivedSsrc >>> 0);
      break;
  }
  return out;
}
