/**
 * libsrtp2 (Debian libsrtp2-1) through koffi, for bench/srtp.ts only: a reference point for our
 * SRTP contexts. Binds srtp_init, srtp_create with an AES_CM_128_HMAC_SHA1_80 policy,
 * srtp_protect, srtp_unprotect and srtp_dealloc. Layouts from /usr/include/srtp2/srtp.h (2.5.0).
 */
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

export const LIBSRTP2: NativeLibrarySpec = { name: 'libsrtp2', sonames: ['libsrtp2.so.1', 'libsrtp2.so'], debianPackage: 'libsrtp2-1' };

/** srtp_ssrc_type_t */
const SSRC_ANY_INBOUND = 2;
const SSRC_ANY_OUTBOUND = 3;

const srtp = defineBinding(LIBSRTP2, (lib, koffi) => {
  // typedef struct { srtp_ssrc_type_t type; unsigned int value; } srtp_ssrc_t;
  const ssrcT = koffi.struct({ type: 'int', value: 'unsigned int' });
  // typedef struct srtp_crypto_policy_t { cipher_type, cipher_key_len, auth_type, auth_key_len, auth_tag_len, sec_serv }
  const cryptoPolicyT = koffi.struct({
    cipher_type: 'uint32_t',
    cipher_key_len: 'int',
    auth_type: 'uint32_t',
    auth_key_len: 'int',
    auth_tag_len: 'int',
    sec_serv: 'int',
  });
  const policyT = koffi.struct({
    ssrc: ssrcT,
    rtp: cryptoPolicyT,
    rtcp: cryptoPolicyT,
    key: 'uint8_t *',
    keys: 'void *',
    num_master_keys: 'unsigned long',
    deprecated_ekt: 'void *',
    window_size: 'unsigned long',
    allow_repeat_tx: 'int',
    enc_xtn_hdr: 'int *',
    enc_xtn_hdr_count: 'int',
    next: 'void *',
  });
  return {
    init: lib.func('int srtp_init(void)') as () => number,
    // srtp_err_status_t srtp_create(srtp_t *session, const srtp_policy_t *policy);
    create: lib.func('srtp_create', 'int', [koffi.out(koffi.pointer('void *')), koffi.pointer(policyT)]) as (session: [bigint | null], policy: object) => number,
    // void srtp_crypto_policy_set_rtp_default(srtp_crypto_policy_t *p);
    setRtpDefault: lib.func('srtp_crypto_policy_set_rtp_default', 'void', [koffi.out(koffi.pointer(cryptoPolicyT))]) as (p: [object]) => void,
    // srtp_err_status_t srtp_protect(srtp_t ctx, void *rtp_hdr, int *len_ptr); (buffers passed as void *: no copy)
    protect: lib.func('int srtp_protect(void *ctx, void *rtp_hdr, void *len_ptr)') as (ctx: bigint, buf: Uint8Array, len: Int32Array) => number,
    unprotect: lib.func('int srtp_unprotect(void *ctx, void *srtp_hdr, void *len_ptr)') as (ctx: bigint, buf: Uint8Array, len: Int32Array) => number,
    dealloc: lib.func('int srtp_dealloc(void *ctx)') as (ctx: bigint) => number,
  };
});

export function probeLibsrtp(): Availability {
  return srtp.probe();
}

let initialised = false;

/** One libsrtp2 session (srtp_t) with one AES_CM_128_HMAC_SHA1_80 policy for any SSRC. */
export class LibsrtpSession {
  #ctx: bigint | null;
  readonly #len = new Int32Array(1);

  /** `key` is master key ‖ master salt (30 bytes). `direction` picks ssrc_any_outbound / inbound. */
  constructor(key: Uint8Array, direction: 'outbound' | 'inbound') {
    const api = srtp.get();
    if (!initialised) {
      const e = api.init();
      if (e !== 0) throw new Error(`srtp_init: error ${e}`);
      initialised = true;
    }
    const rtp: [object] = [{}];
    const rtcp: [object] = [{}];
    api.setRtpDefault(rtp); // = srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80
    api.setRtpDefault(rtcp);
    const policy = {
      ssrc: { type: direction === 'outbound' ? SSRC_ANY_OUTBOUND : SSRC_ANY_INBOUND, value: 0 },
      rtp: rtp[0],
      rtcp: rtcp[0],
      key: Array.from(key),
      keys: null,
      num_master_keys: 0,
      deprecated_ekt: null,
      window_size: 128,
      allow_repeat_tx: 1,
      enc_xtn_hdr: null,
      enc_xtn_hdr_count: 0,
      next: null,
    };
    const out: [bigint | null] = [null];
    const e = api.create(out, policy);
    if (e !== 0 || !out[0]) throw new Error(`srtp_create: error ${e}`);
    this.#ctx = out[0];
  }

  /** Protects buf[0..len) in place (buf needs room for the 10-byte tag); returns the new length or -error. */
  protect(buf: Uint8Array, len: number): number {
    this.#len[0] = len;
    const e = srtp.get().protect(this.#ctx!, buf, this.#len);
    return e === 0 ? this.#len[0]! : -e;
  }

  /** Unprotects buf[0..len) in place; returns the RTP length or -error. */
  unprotect(buf: Uint8Array, len: number): number {
    this.#len[0] = len;
    const e = srtp.get().unprotect(this.#ctx!, buf, this.#len);
    return e === 0 ? this.#len[0]! : -e;
  }

  dispose(): void {
    if (this.#ctx) srtp.get().dealloc(this.#ctx);
    this.#ctx = null;
  }
}
