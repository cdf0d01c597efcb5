import { afterEach, describe, expect, it } from 'vitest';
import { NDArray } from '@theano-ts/tensor';
import {
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
    const a = allocate('float32', 1001);
    recycleValues([nd(a as Float32Array)], [], []);
    expect(allocate('float64', 1001)).not.toBe(a);
    expect(allocate('float32', 1000)).not.toBe(a);
    const before = bufferPoolStats.reused;
    expect(allocate('float32', 1001)).toBe(a);
    expect(bufferPoolStats.reused).toBe(before + 1);
    expect(allocate('float32', 1001)).not.toBe(a); // lent again: not handed out twice
  });

  it('keeps nothing a live or returned value shares memory with (views count)', () => {
    const a = allocate('float32', 1002) as Float32Array;
    const view = new NDArray(a, [2, 501]).T; // same data
    recycleValues([nd(a)], [view], []);
    const b = allocate('float64', 1002) as Float64Array;
    const sub = nd(b.subarray(2, 10)); // another typed array over the same ArrayBuffer
    recycleValues([nd(b)], [], [sub]);
    expect(allocate('float32', 1002)).not.toBe(a);
    expect(allocate('float64', 1002)).not.toBe(b);
  });

  it('a returned array is never kept, even when a later call says it is dead', () => {
    const a = allocate('float32', 1003) as Float32Array;
    recycleValues([], [], [nd(a)]);
    recycleValues([nd(a)], [], []);
    expect(allocate('float32', 1003)).not.toBe(a);
  });

  it('an array two dead values share is kept once; arrays it did not make are never kept', () => {
    const a = allocate('float32', 1004) as Float32Array;
    recycleValues([nd(a), nd(a, [4, 251])], [], []);
    const first = allocate('float32', 1004);
    const second = allocate('float32', 1004);
    expect(first).toBe(a);
    expect(second).not.toBe(a);
    const mine = new Float32Array(1005);
    recycleValues([nd(mine)], [], []);
    expect(allocate('float32', 1005)).not.toBe(mine);
    recycleValues([undefined, 3, null], [], []); // not arrays: ignored
  });

  it('holds at most the limit; limit 0 keeps nothing', () => {
    setBufferPoolLimit(0);
    expect(bufferPoolFreeBytes()).toBe(0);
    const a = allocate('float64', 1006) as Float64Array;
    recycleValues([nd(a)], [], []);
    expect(bufferPoolFreeBytes()).toBe(0);
    expect(allocate('float64', 1006)).not.toBe(a);
    setBufferPoolLimit(8 * 1500);
    const b = allocate('float64', 1007) as Float64Array;
    const c = allocate('float64', 1008) as Float64Array;
    recycleValues([nd(b), nd(c)], [], []);
    expect(bufferPoolFreeBytes()).toBe(8 * 1007); // c would pass the limit
  });
});
