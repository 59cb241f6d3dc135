/**
 * Typed-array views of SQLite BLOBs. Every platform Pretext runs on is little-endian, so the bytes
 * stored are the arrays' own memory. better-sqlite3 hands small BLOBs out of Node's shared buffer
 * pool at any byte offset; a typed view needs an offset aligned to its element size, so those are
 * copied, and the rest are viewed in place.
 */
export function float32Of(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength >> 2);
  const copy = new Float32Array(blob.byteLength >> 2);
  new Uint8Array(copy.buffer).set(blob.subarray(0, copy.byteLength));
  return copy;
}

export function int32Of(blob: Buffer): Int32Array {
  if (blob.byteOffset % 4 === 0) return new Int32Array(blob.buffer, blob.byteOffset, blob.byteLength >> 2);
  const copy = new Int32Array(blob.byteLength >> 2);
  new Uint8Array(copy.buffer).set(blob.subarray(0, copy.byteLength));
  return copy;
}

/** The bytes of a typed array as a Buffer, without copying. */
export function blobOf(array: Float32Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
