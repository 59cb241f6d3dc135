/** Shared helpers for the dataset module tests (not a test file itself). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under test/fixtures. */
export const fixturePath = (rel: string): string => fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));

/** The bytes of a file under test/fixtures. */
export const fixture = (rel: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(rel)));

/** 16-bit PCM WAV from per-channel samples in [-1, 1] (written here so tests control every byte). */
export function wavBytes(channels: Float32Array[], sampleRate: number): Uint8Array {
  const frames = channels[0]?.length ?? 0;
  const blockAlign = channels.length * 2;
  const out = Buffer.alloc(44 + frames * blockAlign);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + frames * blockAlign, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels.length, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(frames * blockAlign, 40);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels.length; c++) {
      const v = Math.max(-1, Math.min(1, channels[c]![i]!));
      out.writeInt16LE(Math.round(v * 32767), 44 + i * blockAlign + c * 2);
    }
  }
  return new Uint8Array(out);
}

/** A sine of `freq` Hz, `seconds` long, amplitude 0.5. */
export function sine(freq: number, seconds: number, sampleRate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return out;
}

/**
 * Wraps an async decoder so that its calls finish out of order, the same way on every run: each
 * result is held until `batch` calls are waiting (or no call has come for 50 ms), then the held
 * results are let go highest `rank` first, one per turn of the event loop.
 */
export function finishingInReverse<A extends unknown[], R>(
  decode: (...args: A) => Promise<R>,
  rank: (...args: A) => number,
  batch = 4,
): (...args: A) => Promise<R> {
  let held: { rank: number; release: () => void }[] = [];
  let quiet: NodeJS.Timeout | undefined;
  const releaseHeld = async (): Promise<void> => {
    clearTimeout(quiet);
    const releasing = held.sort((a, b) => b.rank - a.rank);
    held = [];
    for (const call of releasing) {
      call.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return async (...args) => {
    const result = await decode(...args);
    await new Promise<void>((release) => {
      held.push({ rank: rank(...args), release });
      clearTimeout(quiet);
      if (held.length >= batch) void releaseHeld();
      else quiet = setTimeout(() => void releaseHeld(), 50);
    });
    return result;
  };
}
