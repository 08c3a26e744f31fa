/**
 * Typed errors (DESIGN §8). Every message says what went wrong and where (option, file, port,
 * filter and pin). Packet-level faults are never thrown across the ticker: they are counted in
 * stats instead; these classes are for configuration, setup and I/O failures.
 */

/** Base class of every error mediaweave throws on purpose. `code` is stable; messages may change. */
export class MediaweaveError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad option or parameter: names the option and the accepted range. */
export class ConfigError extends MediaweaveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIG', message, options);
  }
}

/** A graph that cannot run: a pin linked twice, an unconnected output, a cycle without a feedback link. */
export class GraphError extends MediaweaveError {
  constructor(message: string) {
    super('ERR_GRAPH', message);
  }
}

/** A native library (loaded through koffi) is missing; names the Debian package that provides it. */
export class NativeLibraryError extends MediaweaveError {
  readonly library: string;
  readonly debianPackage: string;
  constructor(library: string, debianPackage: string, detail?: string) {
    super(
      'ERR_NATIVE_LIBRARY',
      `native library ${library} is not available${detail ? ` (${detail})` : ''}; install the Debian package ${debianPackage} (apt-get install ${debianPackage})`,
    );
    this.library = library;
    this.debianPackage = debianPackage;
  }
}

/** A codec was asked for that is not registered here (unknown, or its library is missing). */
export class CodecUnavailableError extends MediaweaveError {
  constructor(message: string) {
    super('ERR_CODEC_UNAVAILABLE', message);
  }
}

/** A media file that cannot be read or written: names the file and what is wrong with it. */
export class FileFormatError extends MediaweaveError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_FILE_FORMAT', `${file}: ${reason}`, options);
    this.file = file;
  }
}

/** A malformed packet or message; thrown by parsers, caught and counted by sessions. */
export class ParseError extends MediaweaveError {
  constructor(what: string, reason: string) {
    super('ERR_PARSE', `${what}: ${reason}`);
  }
}

/** A socket that cannot be bound or used: names the address and port. */
export class NetworkError extends MediaweaveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NETWORK', message, options);
  }
}

/** An operation in the wrong state (starting a started ticker, running a real-time ticker synchronously). */
export class StateError extends MediaweaveError {
  constructor(message: string) {
    super('ERR_STATE', message);
  }
}
