import type { AudioInputSpec } from '../../../../src-main/contract';
import type { AudioData } from '../../../../src-main/core/data/audio';
import { Rng } from '../../../../src-main/core/ssl/random';

/**
 * Clips of a tone sweeping across the mel bands, up or down at one of two speeds, with a little noise:
 * the future frames follow from the past ones, so CPC's predictions can learn them. Stored clips have
 * 48 to 95 frames; the model input has `frames` (some clips are shorter: padded with silence).
 */
export function sineSweeps(options: { clips?: number; bands?: number; frames?: number; seed?: number } = {}): AudioData {
  const { clips = 16, bands = 16, frames = 64, seed = 4 } = options;
  const spec: AudioInputSpec = { modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: bands, clipSeconds: frames / 100, frames, mean: -4, std: 2 };
  const rng = new Rng(seed);
  const lengths = Array.from({ length: clips }, () => 48 + rng.int(48));
  const offsets = new Int32Array(clips + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
  const mels = new Float32Array(offsets[clips]! * bands);
  const labels: string[] = [];
  for (let i = 0; i < clips; i++) {
    const up = i % 2 === 0;
    const speed = i % 4 < 2 ? 0.25 : 0.5; // bands per frame
    labels.push(`${up ? 'up' : 'down'}-${speed}`);
    const phase = rng.uniform(0, bands);
    for (let t = 0; t < lengths[i]!; t++) {
      const centre = (((phase + (up ? 1 : -1) * speed * t) % bands) + bands) % bands;
      for (let m = 0; m < bands; m++) {
        const distance = Math.min(Math.abs(m - centre), bands - Math.abs(m - centre));
        mels[(offsets[i]! + t) * bands + m] = 3 * Math.exp(-(distance * distance) / 2) - 1 + rng.uniform(-0.1, 0.1);
      }
    }
  }
  return { modality: 'audio', spec, itemIds: labels.map((_, i) => i + 1), labels, failures: [], mels, offsets };
}
