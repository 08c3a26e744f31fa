/**
 * Exit codes of the `mediaweave` command (DESIGN §4): 0 done, 2 bad usage, 1 runtime failure.
 */
import { InvalidArgumentError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** A usage error found after parsing (bad combination of options): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** commander argument parser for a number in [min, max] (integers only unless `float`). */
export function numberArg(min: number, max: number, float = false): (value: string) => number {
  return (value: string): number => {
    const n = float ? Number(value) : Number.parseInt(value, 10);
    if (value.trim() === '' || !Number.isFinite(n) || (!float && !/^-?\d+$/.test(value.trim()))) {
      throw new InvalidArgumentError(`expected ${float ? 'a number' : 'a whole number'} from ${min} to ${max}.`);
    }
    if (n < min || n > max) throw new InvalidArgumentError(`must be from ${min} to ${max}.`);
    return n;
  };
}

/** commander argument parser for one of a fixed set of values. */
export function choiceArg<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`);
    return value as T;
  };
}
