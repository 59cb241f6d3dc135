/**
 * Spoken words synthesised by Debian's `espeak-ng`, as class folders of WAV files, for quality
 * benchmarks of the audio methods with nothing from the internet: the word is the label.
 *
 * A seeded set of "speakers" (an espeak-ng voice, a voice variant, a pitch, a speed and an
 * amplitude) each says every word, and whole speakers are held out, as in Speech Commands
 * (Warden 2018), whose 20 core words are the default list:
 *
 *   <root>/train/<word>/<speaker>.wav   and   <root>/test/<word>/<speaker>.wav
 *
 * The split is stratified by construction (every word has the same number of clips in each
 * split) and tests what a speech embedding needs: the held-out clips are new voices saying known
 * words, so a method cannot score by recognising the speaker. A manifest (<root>/manifest.json),
 * written last, records what was made; a later call with the same settings whose files are still
 * there returns at once.
 *
 * Decisions, each an option or a constant here:
 * - Voices: seven English accents (American, British, Scottish, Received Pronunciation,
 *   Lancastrian, West Midlands, Caribbean) and three foreign ones reading the English words with
 *   their own letter-to-sound rules (German, French, Dutch), as accented speakers would.
 * - Variants: espeak-ng's eight male and five female variants and four Klatt-synthesiser voices;
 *   the robotic, whispered and novelty variants are left out.
 * - Each speaker is a distinct (voice, variant) pair, drawn without replacement from the 170, with
 *   pitch 30–70 (espeak-ng's default 50), speed 130–210 words a minute (default 175) and amplitude
 *   60–140 (default 100), uniform integers.
 * - 40 speakers, `testShare` (default 0.2) of them, rounded, held out: 800 clips, 640 + 160.
 * - espeak-ng writes 16-bit mono WAV at 22,050 Hz; the audio data module resamples it.
 *
 *   npx tsx bench/quality/espeak-words.ts --out /tmp/espeak-words [--speakers 40] [--seed 1]
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Rng } from '../../src-main/core/ssl/random';

/** The 20 core words of Speech Commands (Warden 2018), in its order. */
export const SPEECH_COMMANDS_WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go', 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;
/** espeak-ng voices (its `--voices` language names). An unknown name silently falls back to English, so each is checked before use. */
export const ESPEAK_VOICES = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029', 'de', 'fr-fr', 'nl'] as const;
/** espeak-ng voice variants (files in its `voices/!v/` folder). */
export const ESPEAK_VARIANTS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'f1', 'f2', 'f3', 'f4', 'f5', 'klatt', 'klatt2', 'klatt3', 'klatt4'] as const;
const PITCH = [30, 70] as const;
const SPEED = [130, 210] as const;
const AMPLITUDE = [60, 140] as const;

const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y espeak-ng';
const MANIFEST_VERSION = 1;

/** One synthetic speaker: what `espeak-ng -v voice+variant -p pitch -s speed -a amplitude` is given. */
export interface Speaker {
  /** File-name stem of the speaker's clips: "07-en-gb-m3". */
  id: string;
  voice: string;
  variant: string;
  /** espeak-ng's 0–99 pitch. */
  pitch: number;
  /** Words a minute. */
  speed: number;
  /** espeak-ng's 0–200 amplitude. */
  amplitude: number;
}

export interface EspeakWordsOptions {
  /** Folder to write `train/`, `test/` and `manifest.json` into. */
  root: string;
  /** The words, each a label (default the 20 Speech Commands words). */
  words?: readonly string[];
  /** Speakers, each saying every word (default 40). */
  speakers?: number;
  /** Share of the speakers held out (default 0.2). */
  testShare?: number;
  /** Seed of the speakers and the split (default 1). */
  seed?: number;
  /** The espeak-ng program (default: $ESPEAK_NG, else `espeak-ng` on the PATH). */
  espeak?: string;
  /** espeak-ng processes at once (default: the number of cores). */
  concurrency?: number;
  /** Progress lines (default: to stderr). Pass `() => {}` for silence. */
  log?: (line: string) => void;
}

export interface EspeakWordsFolders {
  trainDir: string;
  testDir: string;
  /** The words, as given. */
  classes: string[];
  speakers: Speaker[];
  /** Ids of the held-out speakers, in `speakers` order. */
  testSpeakers: string[];
  /** Clips per word, in `classes` order. */
  counts: { train: number[]; test: number[] };
}

interface Manifest extends Omit<EspeakWordsFolders, 'trainDir' | 'testDir'> {
  version: number;
  seed: number;
  testShare: number;
  espeakVersion: string;
}

const randomInt = (rng: Rng, [lo, hi]: readonly [number, number]): number => lo + rng.int(hi - lo + 1);

/** `count` speakers, each a distinct voice and variant, with seeded pitch, speed and amplitude. */
export function espeakSpeakers(count: number, seed: number): Speaker[] {
  const pairs = ESPEAK_VOICES.flatMap((voice) => ESPEAK_VARIANTS.map((variant) => ({ voice, variant })));
  if (!Number.isInteger(count) || count < 2 || count > pairs.length) throw new RangeError(`speakers must be an integer from 2 to ${pairs.length} (distinct voice and variant pairs), got ${count}`);
  const rng = new Rng(seed);
  rng.shuffle(pairs);
  const width = String(count - 1).length;
  return pairs.slice(0, count).map(({ voice, variant }, i) => ({
    id: `${String(i).padStart(width, '0')}-${voice}-${variant}`,
    voice,
    variant,
    pitch: randomInt(rng, PITCH),
    speed: randomInt(rng, SPEED),
    amplitude: randomInt(rng, AMPLITUDE),
  }));
}

/** Indices of the held-out speakers: a seeded `testShare` of them, rounded, at least one and leaving one to train on; ascending. */
export function heldOutSpeakers(count: number, testShare: number, seed: number): number[] {
  if (!(testShare > 0 && testShare < 1)) throw new RangeError(`testShare must be in (0, 1), got ${testShare}`);
  const held = Math.min(count - 1, Math.max(1, Math.round(testShare * count)));
  const order = Int32Array.from({ length: count }, (_, i) => i);
  // A stream of its own, so the split does not move when the speakers' draws change.
  new Rng(seed ^ 0x5eed5).shuffle(order);
  return Array.from(order.subarray(0, held)).sort((a, b) => a - b);
}

/** The espeak-ng arguments that write `word` said by `speaker` to `path`. */
export function espeakArgs(speaker: Speaker, word: string, path: string): string[] {
  return ['-v', `${speaker.voice}+${speaker.variant}`, '-p', String(speaker.pitch), '-s', String(speaker.speed), '-a', String(speaker.amplitude), '-w', path, '--', word];
}

/** A word as a folder name: what the importer turns into its label. */
function checkWord(word: string): void {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} '-]*$/u.test(word)) throw new RangeError(`words must be letters, digits, spaces, apostrophes and hyphens (a folder name each), got '${word}'`);
}

/** espeak-ng's version line, or a thrown error naming the apt command when it cannot be run. */
function espeakVersion(espeak: string): string {
  const run = spawnSync(espeak, ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    const why = run.error ? (run.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : run.error.message : `exited ${run.status}: ${run.stderr.trim()}`;
    throw new Error(`espeak-ng (${espeak}) ${why}. Install it: ${INSTALL_HINT} (or point ESPEAK_NG / options.espeak at the program).`);
  }
  return run.stdout.trim().split('\n')[0]!.replace(/\s+Data at:.*/, '');
}

/** Throws, naming them, if any of the voices or variants is not installed (espeak-ng would fall back to its default without a word). */
function checkVoices(espeak: string, speakers: readonly Speaker[]): void {
  const languages = new Set(
    spawnSync(espeak, ['--voices'], { encoding: 'utf8' })
      .stdout.split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[1]),
  );
  const variants = new Set(
    spawnSync(espeak, ['--voices=variant'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => /!v\/(\S+)/.exec(line)?.[1]),
  );
  const missing = [...new Set(speakers.flatMap((s) => [...(languages.has(s.voice) ? [] : [`voice ${s.voice}`]), ...(variants.has(s.variant) ? [] : [`variant ${s.variant}`])]))];
  if (missing.length > 0) throw new Error(`espeak-ng (${espeak}) lacks ${missing.join(', ')}: is espeak-ng-data complete?`);
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

const wavCount = (dir: string): number => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.wav')).length : 0);

/**
 * Makes (or finds cached) the spoken-word train and held-out folders under `options.root`; see
 * the file comment. Throws, naming the apt command, when espeak-ng is not installed.
 */
export async function espeakWordsFolders(options: EspeakWordsOptions): Promise<EspeakWordsFolders> {
  const root = resolve(options.root);
  const words = [...(options.words ?? SPEECH_COMMANDS_WORDS)];
  const count = options.speakers ?? 40;
  const testShare = options.testShare ?? 0.2;
  const seed = options.seed ?? 1;
  const espeak = options.espeak ?? process.env.ESPEAK_NG ?? 'espeak-ng';
  const concurrency = options.concurrency ?? cpus().length;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (words.length < 2) throw new RangeError(`espeak words: need at least 2 words, got ${words.length}`);
  for (const word of words) checkWord(word);
  if (new Set(words).size !== words.length) throw new RangeError(`espeak words: the words must differ, got ${words.join(', ')}`);
  const speakers = espeakSpeakers(count, seed);
  const held = new Set(heldOutSpeakers(count, testShare, seed));
  const testSpeakers = speakers.filter((_, i) => held.has(i)).map((s) => s.id);
  const counts = { train: words.map(() => count - held.size), test: words.map(() => held.size) };
  const trainDir = join(root, 'train');
  const testDir = join(root, 'test');
  const folders: EspeakWordsFolders = { trainDir, testDir, classes: words, speakers, testSpeakers, counts };

  const cached = readManifest(join(root, 'manifest.json'));
  if (
    cached?.version === MANIFEST_VERSION &&
    cached.seed === seed &&
    cached.testShare === testShare &&
    JSON.stringify(cached.classes) === JSON.stringify(words) &&
    JSON.stringify(cached.speakers) === JSON.stringify(speakers) &&
    words.every((w, c) => wavCount(join(trainDir, w)) === counts.train[c] && wavCount(join(testDir, w)) === counts.test[c])
  ) {
    log(`espeak-words: cached in ${root} (${words.length} words × ${count} speakers, seed ${seed})`);
    return folders;
  }
  const version = espeakVersion(espeak);
  checkVoices(espeak, speakers);

  rmSync(join(root, 'manifest.json'), { force: true });
  rmSync(trainDir, { recursive: true, force: true });
  rmSync(testDir, { recursive: true, force: true });
  const jobs: { args: string[]; path: string }[] = [];
  for (const word of words) {
    for (const dir of [trainDir, testDir]) mkdirSync(join(dir, word), { recursive: true });
    speakers.forEach((speaker, i) => {
      const path = join(held.has(i) ? testDir : trainDir, word, `${speaker.id}.wav`);
      jobs.push({ args: espeakArgs(speaker, word, path), path });
    });
  }
  log(`espeak-words: ${words.length} words × ${count} speakers (${held.size} held out) with ${version} into ${root}`);
  const run = promisify(execFile);
  const started = performance.now();
  let lastLog = started;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const { args, path } = jobs[next++]!;
      try {
        await run(espeak, args);
      } catch (error) {
        throw new Error(`espeak-ng ${args.join(' ')} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      // A WAV header alone is 44 bytes: espeak-ng exits 0 even when it said nothing.
      if (!existsSync(path) || statSync(path).size <= 44) throw new Error(`espeak-ng ${args.join(' ')} wrote no audio to ${path}`);
      done++;
      if (performance.now() - lastLog > 2000) {
        lastLog = performance.now();
        log(`  espeak-words: ${done}/${jobs.length} clips`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, worker));
  const manifest: Manifest = { version: MANIFEST_VERSION, seed, testShare, espeakVersion: version, classes: words, speakers, testSpeakers, counts };
  const tmp = join(root, 'manifest.json.tmp');
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(root, 'manifest.json'));
  log(`espeak-words: ${jobs.length} clips in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return folders;
}

function parseArgs(argv: string[]): { out: string; speakers: number; seed: number } {
  const args = { out: '', speakers: 40, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      console.log('usage: npx tsx bench/quality/espeak-words.ts --out DIR [--speakers 40] [--seed 1]');
      process.exit(0);
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--speakers' || flag === '--seed') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
      args[flag === '--seed' ? 'seed' : 'speakers'] = n;
    } else throw new Error(`unknown argument ${flag}`);
    i++;
  }
  if (args.out === '') throw new Error('--out DIR is required');
  return args;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { out, speakers, seed } = parseArgs(process.argv.slice(2));
    const folders = await espeakWordsFolders({ root: out, speakers, seed });
    console.log(JSON.stringify({ ...folders, speakers: folders.speakers.length }, null, 2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
