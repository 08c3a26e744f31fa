/** ZRTP (RFC 6189), first part: packets, messages and the crypto building blocks. Sans-IO. */
export * from './crc32c.js';
export * from './packet.js';
export * from './messages.js';
export * from './hash-chain.js';
export * from './kdf.js';
export * from './sas.js';
export * from './confirm.js';
export { PGP_EVEN_WORDS, PGP_ODD_WORDS } from './pgp-words.js';
export { fuzzZrtp, builtInZrtpCorpus, type ZrtpFuzzResult } from './fuzz.js';
