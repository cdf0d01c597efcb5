import { afterEach, describe, expect, it } from 'vitest';
import { NDArray } from '@theano-ts/tensor';
import {
  POOL_MIN_BYTES,
  allocate,
  bufferPoolFreeBytes,
  bufferPoolStats,
  recycleValues,
  setBufferPoolLimit,
} from './buffer-pool';

const nd = (a: Float32Array | Float64Array, shape = [a.length]) => new NDArray(a, shape);

describe('buffer pool', () => {
  afterEach(() => setBufferPoolLimit(256 * 1024 * 1024));

  it('a dead array it lent comes back for the same dtype and length, not for others', () => {
    const a = allocate('float32', 2001);
    recycleValues([nd(a as Float32Array)], [], []);
    expect(allocate('float64', 2001)).not.toBe(a);
    expect(allocate('float32', 2000)).not.toBe(a);
    const before = bufferPoolStats.reused;
    expect(allocate('float32', 2001)).toBe(a);
    expect(bufferPoolStats.reused).toBe(before + 1);
    expect(allocate('float32', 2001)).not.toBe(a); // lent again: not handed out twice
  });

  it('keeps nothing a live or returned value shares memory with (views count)', () => {
    const a = allocate('float32', 2002) as Float32Array;
    const view = new NDArray(a, [2, 1001]).T; // same data
    recycleValues([nd(a)], [view], []);
    const b = allocate('float64', 2002) as Float64Array;
    const sub = nd(b.subarray(2, 10)); // another typed array over the same ArrayBuffer
    recycleValues([nd(b)], [], [sub]);
    expect(allocate('float32', 2002)).not.toBe(a);
    expect(allocate('float64', 2002)).not.toBe(b);
  });

  it('a returned array is never kept, even when a later call says it is dead', () => {
    const a = allocate('float32', 2003) as Float32Array;
    recycleValues([], [], [nd(a)]);
    recycleValues([nd(a)], [], []);
    expect(allocate('float32', 2003)).not.toBe(a);
  });

  it('an array two dead values share is kept once; arrays it did not make are never kept', () => {
    const a = allocate('float32', 2004) as Float32Array;
    recycleValues([nd(a), nd(a, [4, 501])], [], []);
    const first = allocate('float32', 2004);
    const second = allocate('float32', 2004);
    expect(first).toBe(a);
    expect(second).not.toBe(a);
    const mine = new Float32Array(2005);
    recycleValues([nd(mine)], [], []);
    expect(allocate('float32', 2005)).not.toBe(mine);
    recycleValues([undefined, 3, null], [], []); // not arrays: ignored
  });

  it('small arrays are always new and never kept', () => {
    const small = allocate('float32', POOL_MIN_BYTES / 4 - 1) as Float32Array;
    recycleValues([nd(small)], [], []);
    expect(allocate('float32', POOL_MIN_BYTES / 4 - 1)).not.toBe(small);
    const big = allocate('float32', POOL_MIN_BYTES / 4) as Float32Array;
    recycleValues([nd(big)], [], []);
    expect(allocate('float32', POOL_MIN_BYTES / 4)).toBe(big);
  });

  it('holds at most the limit; limit 0 keeps nothing', () => {
    setBufferPoolLimit(0);
    expect(bufferPoolFreeBytes()).toBe(0);
    const a = allocate('float64', 2006) as Float64Array;
    recycleValues([nd(a)], [], []);
    expect(bufferPoolFreeBytes()).toBe(0);
    expect(allocate('float64', 2006)).not.toBe(a);
    setBufferPoolLimit(8 * 3000);
    const b = allocate('float64', 2007) as Float64Array;
    const c = allocate('float64', 2008) as Float64Array;
    recycleValues([nd(b), nd(c)], [], []);
    expect(bufferPoolFreeBytes()).toBe(8 * 2007); // c would pass the limit
  });
});
