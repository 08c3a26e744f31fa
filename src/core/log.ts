/**
 * Logging (pino, DESIGN §5). Silent unless MEDIAWEAVE_LOG is set to a pino level
 * (trace, debug, info, warn, error), so a library embedded in an application prints nothing by
 * default; the CLI's --verbose sets it to info. Logs go to stderr.
 */
import { pino, type Logger } from 'pino';

let root: Logger | undefined;

function level(): string {
  const l = process.env.MEDIAWEAVE_LOG;
  return l && ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(l) ? l : 'silent';
}

/** The logger of a component, e.g. `logger('opus')`. */
export function logger(component: string): Logger {
  root ??= pino({ level: level(), base: undefined }, pino.destination(2));
  return root.child({ c: component });
}

/** Changes the level of every logger (the CLI's --verbose). */
export function setLogLevel(l: string): void {
  process.env.MEDIAWEAVE_LOG = l;
  if (root) root.level = l;
}
