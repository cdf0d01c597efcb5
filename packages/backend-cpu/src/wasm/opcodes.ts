/**
 * Opcode tables of the WebAssembly 2.0 instruction set used by our generated kernels
 * (WebAssembly Core Specification 2.0, §5.4: control, parametric, variable, memory, numeric
 * and the 0xFD-prefixed 128-bit SIMD instructions). Names are the text-format mnemonics.
 */

/** Value types and their binary codes. */
export const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
/** A WebAssembly value type. */
export type ValType = keyof typeof VALTYPE;

const SIMD = 0xfd;

// Plain (no-immediate) opcodes, one byte.
const PLAIN_1: Record<string, number> = {
  unreachable: 0x00,
  nop: 0x01,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
};
const scalarRun = (names: string, first: number) =>
  names
    .trim()
    .split(/\s+/)
    .forEach((n, i) => (PLAIN_1[n] = first + i));
scalarRun(
  `i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u
   i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u
   f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt f64.gt f64.le f64.ge
   i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u
   i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr
   i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u
   i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr
   f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt f32.add f32.sub f32.mul
   f32.div f32.min f32.max f32.copysign
   f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt f64.add f64.sub f64.mul
   f64.div f64.min f64.max f64.copysign
   i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u
   i64.extend_i32_s i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s
   i64.trunc_f64_u f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u
   f32.demote_f64 f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u
   f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32
   f64.reinterpret_i64 i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s`,
  0x45,
);

// SIMD no-immediate opcodes (0xFD prefix, then the u32 opcode), by their spec numbers.
const SIMD_PLAIN: Record<string, number> = {
  'i8x16.swizzle': 14,
  'i8x16.splat': 15,
  'i16x8.splat': 16,
  'i32x4.splat': 17,
  'i64x2.splat': 18,
  'f32x4.splat': 19,
  'f64x2.splat': 20,
  'v128.not': 77,
  'v128.and': 78,
  'v128.andnot': 79,
  'v128.or': 80,
  'v128.xor': 81,
  'v128.bitselect': 82,
  'v128.any_true': 83,
  'f32x4.demote_f64x2_zero': 94,
  'f64x2.promote_low_f32x4': 95,
  'f32x4.ceil': 103,
  'f32x4.floor': 104,
  'f32x4.trunc': 105,
  'f32x4.nearest': 106,
  'f64x2.ceil': 116,
  'f64x2.floor': 117,
  'f64x2.trunc': 122,
  'f64x2.nearest': 148,
  'i32x4.abs': 160,
  'i32x4.neg': 161,
  'i32x4.all_true': 163,
  'i32x4.bitmask': 164,
  'i32x4.shl': 171,
  'i32x4.shr_s': 172,
  'i32x4.shr_u': 173,
  'i32x4.add': 174,
  'i32x4.sub': 177,
  'i32x4.mul': 181,
  'i32x4.min_s': 182,
  'i32x4.min_u': 183,
  'i32x4.max_s': 184,
  'i32x4.max_u': 185,
  'i64x2.abs': 192,
  'i64x2.neg': 193,
  'i64x2.all_true': 195,
  'i64x2.bitmask': 196,
  'i64x2.shl': 203,
  'i64x2.shr_s': 204,
  'i64x2.shr_u': 205,
  'i64x2.add': 206,
  'i64x2.sub': 209,
  'i64x2.mul': 213,
  'i64x2.eq': 214,
  'i64x2.ne': 215,
  'i64x2.lt_s': 216,
  'i64x2.gt_s': 217,
  'i64x2.le_s': 218,
  'i64x2.ge_s': 219,
  'f32x4.abs': 224,
  'f32x4.neg': 225,
  'f32x4.sqrt': 227,
  'f32x4.add': 228,
  'f32x4.sub': 229,
  'f32x4.mul': 230,
  'f32x4.div': 231,
  'f32x4.min': 232,
  'f32x4.max': 233,
  'f32x4.pmin': 234,
  'f32x4.pmax': 235,
  'f64x2.abs': 236,
  'f64x2.neg': 237,
  'f64x2.sqrt': 239,
  'f64x2.add': 240,
  'f64x2.sub': 241,
  'f64x2.mul': 242,
  'f64x2.div': 243,
  'f64x2.min': 244,
  'f64x2.max': 245,
  'f64x2.pmin': 246,
  'f64x2.pmax': 247,
  'i32x4.trunc_sat_f32x4_s': 248,
  'i32x4.trunc_sat_f32x4_u': 249,
  'f32x4.convert_i32x4_s': 250,
  'f32x4.convert_i32x4_u': 251,
  'i32x4.trunc_sat_f64x2_s_zero': 252,
  'i32x4.trunc_sat_f64x2_u_zero': 253,
  'f64x2.convert_low_i32x4_s': 254,
  'f64x2.convert_low_i32x4_u': 255,
};
// Comparisons: i32x4.eq .. i32x4.ge_u = 55..64, f32x4.eq..ge = 65..70, f64x2.eq..ge = 71..76.
'i32x4.eq i32x4.ne i32x4.lt_s i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u i32x4.ge_s i32x4.ge_u f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge'
  .split(' ')
  .forEach((n, i) => (SIMD_PLAIN[n] = 55 + i));

/** Encodings of every instruction without immediates, by text name. */
export const PLAIN_OPS: Readonly<Record<string, readonly number[]>> = Object.freeze({
  ...Object.fromEntries(Object.entries(PLAIN_1).map(([k, v]) => [k, [v]])),
  ...Object.fromEntries(Object.entries(SIMD_PLAIN).map(([k, v]) => [k, simdBytes(v)])),
});

/** Memory instructions (they take a memarg): encoding and natural alignment (log2 bytes). */
export const MEMORY_OPS: Readonly<Record<string, { code: readonly number[]; align: number }>> =
  Object.freeze({
    'i32.load': { code: [0x28], align: 2 },
    'i64.load': { code: [0x29], align: 3 },
    'f32.load': { code: [0x2a], align: 2 },
    'f64.load': { code: [0x2b], align: 3 },
    'i32.load8_s': { code: [0x2c], align: 0 },
    'i32.load8_u': { code: [0x2d], align: 0 },
    'i32.load16_s': { code: [0x2e], align: 1 },
    'i32.load16_u': { code: [0x2f], align: 1 },
    'i32.store': { code: [0x36], align: 2 },
    'i64.store': { code: [0x37], align: 3 },
    'f32.store': { code: [0x38], align: 2 },
    'f64.store': { code: [0x39], align: 3 },
    'i32.store8': { code: [0x3a], align: 0 },
    'i32.store16': { code: [0x3b], align: 1 },
    'v128.load': { code: simdBytes(0), align: 4 },
    'v128.load32_splat': { code: simdBytes(9), align: 2 },
    'v128.load64_splat': { code: simdBytes(10), align: 3 },
    'v128.store': { code: simdBytes(11), align: 4 },
    'v128.load32_zero': { code: simdBytes(92), align: 2 },
    'v128.load64_zero': { code: simdBytes(93), align: 3 },
  });

/** Lane instructions (they take a lane index immediate): encoding and lane count. */
export const LANE_OPS: Readonly<Record<string, { code: readonly number[]; lanes: number }>> =
  Object.freeze({
    'i32x4.extract_lane': { code: simdBytes(27), lanes: 4 },
    'i32x4.replace_lane': { code: simdBytes(28), lanes: 4 },
    'i64x2.extract_lane': { code: simdBytes(29), lanes: 2 },
    'i64x2.replace_lane': { code: simdBytes(30), lanes: 2 },
    'f32x4.extract_lane': { code: simdBytes(31), lanes: 4 },
    'f32x4.replace_lane': { code: simdBytes(32), lanes: 4 },
    'f64x2.extract_lane': { code: simdBytes(33), lanes: 2 },
    'f64x2.replace_lane': { code: simdBytes(34), lanes: 2 },
  });

/** Control-instruction and other immediate-taking opcodes. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  br_table: 0x0e,
  call: 0x10,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  global_get: 0x23,
  global_set: 0x24,
  memory_size: 0x3f,
  memory_grow: 0x40,
  i32_const: 0x41,
  i64_const: 0x42,
  f32_const: 0x43,
  f64_const: 0x44,
  prefix_fc: 0xfc,
  prefix_simd: SIMD,
  v128_const: 12,
  i8x16_shuffle: 13,
  memory_copy: 10,
  memory_fill: 11,
} as const;

/** 0xFD prefix then the opcode as u32 LEB128. */
function simdBytes(op: number): number[] {
  return op < 0x80 ? [SIMD, op] : [SIMD, (op & 0x7f) | 0x80, op >> 7];
}
