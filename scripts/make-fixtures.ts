/**
 * Regenerates the committed test fixtures under test/fixtures/{mixed,bad,bmp}.
 *
 * Run from the repository root: npx tsx scripts/make-fixtures.ts
 *
 * Needs sox, espeak-ng and ImageMagick's convert (Debian: apt-get install sox espeak-ng
 * imagemagick). Images are drawn with sharp from SVG; WAV, BMP and MP3 bytes are written by this
 * script. There is no MP3 encoder on the machine (sox is built without one; no ffmpeg or lame),
 * so the MP3 fixture is a valid MPEG-1 Layer III stream of silent frames written by hand.
 * The Vorbis encoder picks a random stream serial, so .ogg files differ byte-wise on every run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const repo = process.cwd();
if (!existsSync(join(repo, 'package.json')) || !readFileSync(join(repo, 'package.json'), 'utf8').includes('"name": "pretext"')) {
  throw new Error('run this from the repository root');
}
const fixtures = join(repo, 'test', 'fixtures');
const tmp = join(repo, 'node_modules', '.cache', 'make-fixtures-tmp');

function write(rel: string, content: string | Uint8Array): void {
  const path = join(fixtures, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Absolute path of a fixture that a tool will write, with its folder created. */
function target(rel: string): string {
  const path = join(fixtures, rel);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

// ------------------------------------------------------------------------------------------
// Encoders written here (no tool needed)

/** 16-bit PCM WAV. `channels` holds one Float32 array per channel, values in [-1, 1]. */
function encodeWav(channels: Float32Array[], sampleRate: number): Uint8Array {
  const frames = channels[0]?.length ?? 0;
  const blockAlign = channels.length * 2;
  const out = Buffer.alloc(44 + frames * blockAlign);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + frames * blockAlign, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
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
  return out;
}

function tone(freqs: number[], seconds: number, sampleRate: number, fade = 0.02): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const env = Math.min(1, t / fade, (seconds - t) / fade);
    let v = 0;
    for (const f of freqs) v += Math.sin(2 * Math.PI * f * t);
    out[i] = (0.5 * env * v) / freqs.length;
  }
  return out;
}

/** 24-bit BI_RGB BMP, bottom-up, rows padded to 4 bytes: the most common kind. */
function encodeBmp24(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * height);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[row + x * 3] = rgb[i + 2]!;
      out[row + x * 3 + 1] = rgb[i + 1]!;
      out[row + x * 3 + 2] = rgb[i]!;
    }
  }
  return out;
}

/**
 * MPEG-1 Layer III, 32 kbit/s, 44.1 kHz, mono frames whose side information and main data are all
 * zero: every granule has no coded values, which decodes as silence. 104 bytes per frame
 * (144 × 32000 / 44100, no padding), 1152 samples each.
 */
function silentMp3(frames: number): Uint8Array {
  const frameBytes = 104;
  const out = new Uint8Array(frameBytes * frames);
  for (let f = 0; f < frames; f++) out.set([0xff, 0xfb, 0x10, 0xc0], f * frameBytes);
  return out;
}

// ------------------------------------------------------------------------------------------
// Pictures

function catSvg(fur: string, background: string, eyes: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">
  <rect width="32" height="32" fill="${background}"/>
  <polygon points="6,14 9,3 15,10" fill="${fur}"/><polygon points="26,14 23,3 17,10" fill="${fur}"/>
  <circle cx="16" cy="18" r="11" fill="${fur}"/>
  <circle cx="12" cy="16" r="2" fill="${eyes}"/><circle cx="20" cy="16" r="2" fill="${eyes}"/>
  <polygon points="14.5,21 17.5,21 16,23" fill="#d04060"/>
</svg>`;
}

function dogSvg(fur: string, ears: string, background: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">
  <rect width="32" height="32" fill="${background}"/>
  <ellipse cx="16" cy="17" rx="10" ry="12" fill="${fur}"/>
  <ellipse cx="6" cy="15" rx="3.5" ry="8" fill="${ears}"/><ellipse cx="26" cy="15" rx="3.5" ry="8" fill="${ears}"/>
  <circle cx="12" cy="14" r="1.8" fill="#111"/><circle cx="20" cy="14" r="1.8" fill="#111"/>
  <ellipse cx="16" cy="22" rx="3" ry="2" fill="#222"/>
</svg>`;
}

async function rgbOf(svg: string): Promise<Uint8Array> {
  const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return data;
}

/** Deterministic noise, so re-running the script does not churn the committed files. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

async function noisePng(size: number, seed: number): Promise<Buffer> {
  return sharp(noise(size * size * 3, seed), { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

// ------------------------------------------------------------------------------------------

async function makeMixed(): Promise<void> {
  const svg = (s: string): Buffer => Buffer.from(s);
  // Images: two labels, five formats.
  write('mixed/cats/tabby.png', await sharp(svg(catSvg('#8a6a4a', '#cfe8ff', '#3a7d2a'))).png().toBuffer());
  write('mixed/cats/ginger.jpg', await sharp(svg(catSvg('#e07a2a', '#fff4d0', '#2a6a2a'))).jpeg({ quality: 85 }).toBuffer());
  write('mixed/cats/siamese.webp', await sharp(svg(catSvg('#efe2cc', '#5a4a7a', '#3060d0'))).webp({ quality: 80 }).toBuffer());
  const beagleA = await rgbOf(dogSvg('#c89050', '#6a4020', '#d8f0d8'));
  const beagleB = await rgbOf(dogSvg('#c89050', '#6a4020', '#f0d8d8'));
  // Two frames stacked vertically; pageHeight makes them an animation. Importers use frame 1.
  write(
    'mixed/dogs/beagle.gif',
    await sharp(Buffer.concat([beagleA, beagleB]), { raw: { width: 32, height: 64, channels: 3, pageHeight: 32 } })
      .gif({ delay: [300, 300], loop: 0 })
      .toBuffer(),
  );
  write('mixed/dogs/poodle.bmp', encodeBmp24(await rgbOf(dogSvg('#f4f4f4', '#dddddd', '#9ac0e0')), 32, 32));
  write('mixed/dogs/husky.png', await sharp(svg(dogSvg('#9aa0a8', '#50545a', '#ffffff'))).png().toBuffer());

  // Text files: two labels, .txt and .md.
  write('mixed/poems/haiku.txt', 'An old silent pond\nA frog jumps into the pond—\nSplash! Silence again.\n');
  write('mixed/poems/fog.md', '# Fog\n\nThe fog comes\non little cat feet.\n\nIt sits looking\nover harbor and city\non silent haunches\nand then moves on.\n');
  write('mixed/poems/limerick.txt', 'There once was a coder from Crewe\nwhose tests would not ever turn blue.\n');
  write('mixed/recipes/pancakes.md', '## Pancakes\n\n- 200 g flour\n- 2 eggs\n- 300 ml milk\n\nWhisk, rest 10 minutes, fry in butter.\n');
  write('mixed/recipes/tea.txt', 'Warm the pot. One spoon of leaves per cup. Pour water just off the boil; steep 4 minutes.\n');

  // A table: a header, a label column, a quoted field with a comma, a newline and a doubled quote.
  write(
    'mixed/quotes.csv',
    [
      'text,author,label',
      'Simplicity is prerequisite for reliability.,Edsger Dijkstra,wisdom',
      '"Talk is cheap, show me the code.",Linus Torvalds,wisdom',
      '"I have always wished for my computer to be as easy to use as my telephone;\nmy wish has come true because I can no longer figure out how to use my telephone.",Bjarne Stroustrup,humour',
      '"There are 10 kinds of people: those who read ""binary"" and those who don\'t.",anonymous,humour',
      '',
    ].join('\r\n'),
  );
  write(
    'mixed/notes.jsonl',
    [
      { text: 'Buy oat milk and coffee beans.', label: 'todo' },
      { text: 'Call the plumber about the leaking tap.', label: 'todo' },
      { text: 'An app that tags photos by the sounds recorded with them.', label: 'idea' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n',
  );

  // Audio: two labels, four formats.
  write('mixed/tones/a440.wav', encodeWav([tone([440], 0.5, 16000)], 16000));
  mkdirSync(tmp, { recursive: true });
  const chordWav = join(tmp, 'chord.wav');
  writeFileSync(chordWav, encodeWav([tone([261.6, 329.6, 392], 0.6, 22050), tone([261.6, 329.6, 392, 523.2], 0.6, 22050)], 22050));
  run('sox', [chordWav, target('mixed/tones/chord.flac')]);
  run('sox', ['-n', '-r', '16000', '-c', '1', target('mixed/tones/sweep.ogg'), 'synth', '0.7', 'sine', '300-1200', 'vol', '0.5']);
  write('mixed/tones/silence.mp3', silentMp3(20));
  const speech = (words: string, name: string): string => {
    const raw = join(tmp, `${name}-raw.wav`);
    run('espeak-ng', ['-w', raw, '-s', '190', words]);
    return raw;
  };
  run('sox', [speech('hello there', 'hello'), '-r', '16000', '-b', '16', '-c', '1', target('mixed/speech/hello.wav')]);
  run('sox', [speech('good bye', 'bye'), '-r', '16000', '-c', '1', target('mixed/speech/goodbye.ogg')]);
  run('sox', [speech('one two three', 'numbers'), '-r', '16000', '-c', '1', target('mixed/speech/numbers.flac')]);

  // Finder's metadata file: hidden, must be ignored.
  write('mixed/.DS_Store', Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('Bud1'), Buffer.alloc(24)]));
}

async function makeBad(): Promise<void> {
  const good = await noisePng(24, 7);
  write('bad/good.png', good);
  write('bad/good.txt', 'A perfectly ordinary sentence.\n');
  write('bad/good.wav', encodeWav([tone([660], 0.25, 8000)], 8000));

  write('bad/truncated.png', good.subarray(0, Math.floor(good.length / 2)));
  const jpeg = await sharp(noise(24 * 24 * 3, 11), { raw: { width: 24, height: 24, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  write('bad/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  write('bad/empty.wav', new Uint8Array(0));
  write('bad/header-only.wav', encodeWav([new Float32Array(0)], 8000));
  // Looks like the start of a compiled file: NUL bytes early on.
  write('bad/binary.txt', new Uint8Array([0x7f, 0x42, 0x49, 0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10, 0x20, 0x30]));
  // "Café crème" in Latin-1: 0xE9 at offset 3 is not UTF-8.
  write('bad/latin1.txt', Buffer.from('Café crème brûlée\n', 'latin1'));
  write('bad/notes.xyz', 'plain words in a file type Pretext does not import\n');
  // A PNG saved with a .jpg name: imports as PNG, with a note.
  write('bad/misnamed.jpg', good);
  // Text saved with a .png name: not an image.
  write('bad/fake.png', 'this is not really an image\n');
  // A FLAC signature and STREAMINFO header followed by garbage.
  const flac = readFileSync(target('mixed/tones/chord.flac'));
  const corrupt = Buffer.concat([flac.subarray(0, 42), noise(600, 3)]);
  write('bad/corrupt.flac', corrupt);
  // Tables with row-level problems (the good rows still import).
  write(
    'bad/latin1.csv',
    Buffer.concat([
      Buffer.from('text,label\nplain ascii row,a\n', 'latin1'),
      Buffer.from('un café noir,b\n', 'latin1'),
      Buffer.from('another fine row,a\n', 'latin1'),
    ]),
  );
  write('bad/broken.jsonl', ['{"text": "fine", "label": "x"}', '{"text": "missing brace"', '', '{"text": "   ", "label": "y"}', '{"text": "also fine"}', ''].join('\n'));
}

/**
 * BMP variants written by ImageMagick (an independent encoder), each with ImageMagick's own
 * decoding of it as PNG, so decode-bmp can be checked pixel for pixel against another decoder.
 */
async function makeBmpVariants(): Promise<void> {
  mkdirSync(tmp, { recursive: true });
  // 13×7: odd width exercises row padding at every bit depth.
  const w = 13;
  const h = 7;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      rgba[i] = Math.round((x / (w - 1)) * 255);
      rgba[i + 1] = Math.round((y / (h - 1)) * 255);
      rgba[i + 2] = (x * 37 + y * 91) % 256;
      rgba[i + 3] = x < 3 ? 255 : Math.round(64 + (y / (h - 1)) * 191);
    }
  }
  const source = join(tmp, 'source.png');
  await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toFile(source);
  const opaque = join(tmp, 'opaque.png');
  await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).removeAlpha().png().toFile(opaque);
  const variants: Array<[string, string[], string]> = [
    ['rgb24', [opaque, '-type', 'TrueColor'], 'BMP3'],
    ['pal1', [opaque, '-colors', '2', '-type', 'Palette'], 'BMP3'],
    ['pal4', [opaque, '-colors', '16', '-type', 'Palette'], 'BMP3'],
    ['pal8', [opaque, '-colors', '64', '-type', 'Palette', '-compress', 'None'], 'BMP3'],
    ['rle8', [opaque, '-colors', '64', '-type', 'Palette', '-compress', 'RLE'], 'BMP3'],
    ['core24', [opaque, '-type', 'TrueColor'], 'BMP2'],
    ['core4', [opaque, '-colors', '16', '-type', 'Palette'], 'BMP2'],
    ['v5-rgb565', [opaque, '-define', 'bmp:subtype=RGB565'], 'BMP'],
    ['v5-rgb555', [opaque, '-define', 'bmp:subtype=RGB555'], 'BMP'],
    ['v5-argb32', [source, '-type', 'TrueColorAlpha'], 'BMP'],
  ];
  for (const [name, args, coder] of variants) {
    const bmp = join(fixtures, 'bmp', `${name}.bmp`);
    mkdirSync(dirname(bmp), { recursive: true });
    run('convert', [...args, `${coder}:${bmp}`]);
    run('convert', [bmp, '-define', 'png:color-type=6', `PNG32:${join(fixtures, 'bmp', `${name}.png`)}`]);
  }
}

for (const dir of ['mixed', 'bad', 'bmp']) rmSync(join(fixtures, dir), { recursive: true, force: true });
await makeMixed();
await makeBad();
await makeBmpVariants();
rmSync(tmp, { recursive: true, force: true });
console.log('fixtures written to', fixtures);
