/**
 * Generates the bundled demo data under resources/demo (committed; CC0, made by this script):
 *   patterns/  32x32 PNG pictures of stripes, dots and checks in random colours (class sub-folders)
 *   sentences/ a CSV of short sentences about three topics, with a label column
 *   tones/     short WAV clips: low hums, high whistles and rising chirps
 * Deterministic: the same seed gives the same files.
 *
 * Run: npx tsx scripts/make-demo.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const out = join(process.cwd(), 'resources', 'demo');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261125);
const between = (lo: number, hi: number): number => lo + (hi - lo) * rand();

/**
 * Three kinds of pattern, each drawn at a random scale, phase and angle in random colours (always
 * light on dark): what tells the classes apart is the pattern, never
 * the colour or the position. A random encoder groups them by colour; SimCLR's colour jitter and
 * crops teach it to ignore both, which the demo's map and its held-out kNN accuracy show.
 */
type Pattern = (x: number, y: number) => number;
const PATTERNS: Record<string, () => Pattern> = {
  stripes: () => {
    const angle = between(0, Math.PI);
    const period = between(5, 9);
    const phase = between(0, period);
    return (x, y) => ((((x * Math.cos(angle) + y * Math.sin(angle) + phase) % period) + period) % period < period / 2 ? 1 : 0);
  },
  dots: () => {
    const period = between(7, 10);
    const radius = between(1.5, 2.5);
    const [ox, oy] = [between(0, period), between(0, period)];
    return (x, y) => {
      const u = ((x + ox) % period) - period / 2;
      const v = ((y + oy) % period) - period / 2;
      return u * u + v * v <= radius * radius ? 1 : 0;
    };
  },
  checks: () => {
    const angle = between(0, Math.PI / 2);
    const period = between(6, 10);
    const [ox, oy] = [between(0, period), between(0, period)];
    return (x, y) => {
      const u = x * Math.cos(angle) + y * Math.sin(angle) + ox;
      const v = -x * Math.sin(angle) + y * Math.cos(angle) + oy;
      return (Math.floor(u / (period / 2)) + Math.floor(v / (period / 2))) & 1;
    };
  },
};

async function makePatterns(): Promise<void> {
  const size = 32;
  for (const [kind, make] of Object.entries(PATTERNS)) {
    const dir = join(out, 'patterns', kind);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 150; i++) {
      const pixels = Buffer.alloc(size * size * 3);
      const bg = [between(0, 110), between(0, 110), between(0, 110)];
      const fg = [between(130, 255), between(130, 255), between(130, 255)];
      const pattern = make();
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          // 2x2 supersampling for smooth edges, plus a little noise.
          let cover = 0;
          for (const [ox, oy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]] as const) cover += 0.25 * pattern(x + ox, y + oy);
          const noise = between(-10, 10);
          for (let c = 0; c < 3; c++) {
            pixels[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(bg[c]! * (1 - cover) + fg[c]! * cover + noise)));
          }
        }
      }
      const png = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
      writeFileSync(join(dir, `${kind}-${String(i + 1).padStart(3, '0')}.png`), png);
    }
  }
}

const TOPICS: Record<string, { subjects: string[]; verbs: string[]; objects: string[] }> = {
  weather: {
    subjects: ['The morning fog', 'A cold front', 'The afternoon sun', 'Heavy rain', 'A gentle breeze', 'The evening storm'],
    verbs: ['rolled over', 'settled on', 'warmed', 'soaked', 'swept across', 'darkened'],
    objects: ['the valley', 'the harbour', 'the old town', 'the fields', 'the mountain pass', 'the coast'],
  },
  cooking: {
    subjects: ['The baker', 'My grandmother', 'The new chef', 'A patient cook', 'The street vendor', 'Our neighbour'],
    verbs: ['simmered', 'kneaded', 'roasted', 'seasoned', 'glazed', 'folded'],
    objects: ['the tomato sauce', 'the bread dough', 'a tray of vegetables', 'the lentil soup', 'the apple tart', 'fresh pasta'],
  },
  sport: {
    subjects: ['The goalkeeper', 'The young sprinter', 'Our team captain', 'The veteran cyclist', 'The home side', 'The rookie'],
    verbs: ['defended', 'won', 'chased', 'dominated', 'lost', 'trained for'],
    objects: ['the final match', 'the relay race', 'the mountain stage', 'the championship', 'the penalty shoot-out', 'the derby'],
  },
};
const ENDINGS = ['before noon.', 'all weekend.', 'without a break.', 'to everyone’s surprise.', 'once again.', 'in record time.'];

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function makeSentences(): void {
  const dir = join(out, 'sentences');
  mkdirSync(dir, { recursive: true });
  const rows = ['text,label'];
  for (const [label, t] of Object.entries(TOPICS)) {
    const seen = new Set<string>();
    while (seen.size < 30) {
      const pick = (list: string[]): string => list[Math.floor(rand() * list.length)]!;
      const sentence = `${pick(t.subjects)} ${pick(t.verbs)} ${pick(t.objects)} ${pick(ENDINGS)}`;
      if (seen.has(sentence)) continue;
      seen.add(sentence);
      rows.push(`${csvField(sentence)},${label}`);
    }
  }
  writeFileSync(join(dir, 'sentences.csv'), rows.join('\n') + '\n');
}

function wav(samples: Float32Array, sampleRate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

function makeTones(): void {
  const sampleRate = 8000;
  const kinds = {
    hum: (t: number, f: number) => Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t),
    whistle: (t: number, f: number) => Math.sin(2 * Math.PI * f * 4 * t),
    chirp: (t: number, f: number) => Math.sin(2 * Math.PI * (f * t + f * 3 * t * t)),
  };
  for (const [kind, wave] of Object.entries(kinds)) {
    const dir = join(out, 'tones', kind);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 10; i++) {
      const seconds = between(0.35, 0.6);
      const f = between(140, 260);
      const n = Math.round(seconds * sampleRate);
      const samples = new Float32Array(n);
      for (let s = 0; s < n; s++) {
        const t = s / sampleRate;
        const envelope = Math.min(1, t / 0.03, (seconds - t) / 0.05);
        samples[s] = 0.5 * envelope * wave(t, f) + between(-0.02, 0.02);
      }
      writeFileSync(join(dir, `${kind}-${String(i + 1).padStart(2, '0')}.wav`), wav(samples, sampleRate));
    }
  }
}

rmSync(out, { recursive: true, force: true });
await makePatterns();
makeSentences();
makeTones();
writeFileSync(
  join(out, 'LICENSE.md'),
  `# Demo data licence\n\nEverything under resources/demo was generated by scripts/make-demo.ts in this repository ` +
    `(procedural patterns, template sentences, synthetic tones). It is dedicated to the public domain under CC0 1.0.\n`,
);
console.log(`demo data written to ${out}`);
