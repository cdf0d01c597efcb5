import { TheanoTypeError, builtAt, userStackLine } from '@theano-ts/symbolic';

/**
 * Throws a TheanoTypeError `who: msg` followed by where the user built the graph (internal to
 * the package; not exported from its index).
 */
export function fail(who: string, msg: string): never {
  throw new TheanoTypeError(`${who}: ${msg}${builtAt(userStackLine())}`);
}
