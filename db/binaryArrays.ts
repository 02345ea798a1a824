/**
 * Array parameters in Postgres's binary array format, for the element types
 * whose text Postgres would otherwise parse one character at a time.
 *
 * A batch statement sends columns of hundreds of ids, and at 4,000 swipes a
 * second Postgres spent a twelfth of its time reading them back from array
 * literals (`array_in`, `uuid_in`; loadtest/README.md, "Swipes without the
 * swiper's key, and arrays sent as bytes, 2026-12-05"). In binary each element
 * is its bytes behind its length, read without parsing.
 *
 * A parameter goes binary only when every place its statement names it casts it
 * to the same array type (`$3::uuid[]`): without types from the client, Postgres
 * gives the parameter that type, and the array's element type must match it.
 * A value this cannot write exactly (an id not in its usual form, a number past
 * 32 bits, a nested array) goes as text instead, so Postgres answers it as it
 * always did.
 */

/** Writes one array's elements in binary, or answers undefined when one of them cannot be. */
export type BinaryArrayEncoder = (values: readonly unknown[]) => Buffer | undefined;

/**
 * An element type: its oid, each element's size in bytes (undefined: not of
 * this type), and its writing (false: it was not, after all).
 */
interface ElementType {
  readonly oid: number;
  readonly size: (value: unknown) => number | undefined;
  readonly write: (value: unknown, into: Buffer, at: number) => boolean;
}

/** Each character code's value as a hex digit, -1 for any other character. */
const HEX = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  const lower = digit.toString(16);
  HEX[lower.charCodeAt(0)] = digit;
  HEX[lower.toUpperCase().charCodeAt(0)] = digit;
}
const HYPHEN = 45;

/**
 * An id in its usual form (8-4-4-4-12 hex digits), read and checked in the same
 * pass: a separate check cost more than Postgres's own parsing saved.
 */
const uuid: ElementType = {
  oid: 2950,
  size: (value) => (typeof value === 'string' && value.length === 36 ? 16 : undefined),
  write: (value, into, at) => {
    const text = value as string;
    if (text.charCodeAt(8) !== HYPHEN || text.charCodeAt(13) !== HYPHEN || text.charCodeAt(18) !== HYPHEN || text.charCodeAt(23) !== HYPHEN) return false;
    let invalid = 0;
    let byte = at;
    for (let i = 0; i < 36; i += 2) {
      if (i === 8 || i === 13 || i === 18 || i === 23) i++;
      const h = text.charCodeAt(i);
      const l = text.charCodeAt(i + 1);
      const high = h < 256 ? HEX[h]! : -1;
      const low = l < 256 ? HEX[l]! : -1;
      invalid |= high | low;
      into[byte++] = (high << 4) | low;
    }
    return invalid >= 0;
  },
};

const int4: ElementType = {
  oid: 23,
  size: (value) => (typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? 4 : undefined),
  write: (value, into, at) => {
    into.writeInt32BE(value as number, at);
    return true;
  },
};

const bool: ElementType = {
  oid: 16,
  size: (value) => (typeof value === 'boolean' ? 1 : undefined),
  write: (value, into, at) => {
    into.writeUInt8(value === true ? 1 : 0, at);
    return true;
  },
};

const text: ElementType = {
  oid: 25,
  size: (value) => (typeof value === 'string' ? Buffer.byteLength(value) : undefined),
  write: (value, into, at) => {
    into.write(value as string, at, 'utf8');
    return true;
  },
};

/** The array casts written in the node's statements whose elements go binary. */
const TYPES: Readonly<Record<string, ElementType>> = { uuid, int: int4, integer: int4, int4, boolean: bool, bool, text };

/** A one-dimensional array as `array_send` writes it: dimensions, null flag, element type, then each element behind its length. */
function encoderOf(type: ElementType): BinaryArrayEncoder {
  return (values) => {
    const sizes = new Array<number>(values.length);
    let bytes = values.length === 0 ? 12 : 20;
    let nulls = 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) {
        sizes[i] = -1;
        nulls = 1;
        bytes += 4;
        continue;
      }
      const size = type.size(value);
      if (size === undefined) return undefined;
      sizes[i] = size;
      bytes += 4 + size;
    }
    const into = Buffer.allocUnsafe(bytes);
    into.writeInt32BE(values.length === 0 ? 0 : 1, 0);
    into.writeInt32BE(nulls, 4);
    into.writeUInt32BE(type.oid, 8);
    if (values.length === 0) return into;
    into.writeInt32BE(values.length, 12);
    into.writeInt32BE(1, 16);
    let at = 20;
    for (let i = 0; i < values.length; i++) {
      const size = sizes[i]!;
      into.writeInt32BE(size, at);
      at += 4;
      if (size < 0) continue;
      if (!type.write(values[i], into, at)) return undefined;
      at += size;
    }
    return into;
  };
}

const ENCODERS = new Map(Object.values(TYPES).map((type) => [type, encoderOf(type)]));

/** Every `$n` of a statement, with the array cast written right after it (or none). */
const PLACEHOLDER = /\$(\d+)(?!\d)(?:::([a-z0-9_]+)\[\](?!\[))?/gi;

/**
 * For each of a statement's `parameterCount` parameters, the encoder that
 * writes it in binary, where every mention of it casts it to one array type
 * this knows; undefined where none does.
 */
export function binaryArrayEncoders(statement: string, parameterCount: number): ReadonlyArray<BinaryArrayEncoder | undefined> | undefined {
  const castOf = new Map<number, ElementType | null>();
  for (const match of statement.matchAll(PLACEHOLDER)) {
    const n = Number(match[1]);
    const type = match[2] === undefined ? null : (TYPES[match[2].toLowerCase()] ?? null);
    const seen = castOf.get(n);
    castOf.set(n, seen === undefined || seen === type ? type : null);
  }
  const encoders = Array.from({ length: parameterCount }, (_, i) => {
    const type = castOf.get(i + 1);
    return type ? ENCODERS.get(type) : undefined;
  });
  return encoders.some((encoder) => encoder !== undefined) ? encoders : undefined;
}
