import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ESPEAK_VARIANTS, ESPEAK_VOICES, espeakArgs, espeakSpeakers, espeakWordsFolders, heldOutSpeakers } from '../../../bench/quality/espeak-words';
import { probeAudio } from '../../../src-main/core/datasets/decode-audio';

const dir = mkdtempSync(join(tmpdir(), 'pretext-espeak-words-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('espeak-ng speakers and split (no espeak-ng needed)', () => {
  it('draws distinct voice and variant pairs with pitch, speed and amplitude in range, the same for a seed', () => {
    const speakers = espeakSpeakers(40, 1);
    expect(speakers).toHaveLength(40);
    expect(new Set(speakers.map((s) => `${s.voice}+${s.variant}`)).size).toBe(40);
    expect(new Set(speakers.map((s) => s.id)).size).toBe(40);
    for (const s of speakers) {
      expect(ESPEAK_VOICES).toContain(s.voice);
      expect(ESPEAK_VARIANTS).toContain(s.variant);
      expect(s.pitch).toBeGreaterThanOrEqual(30);
      expect(s.pitch).toBeLessThanOrEqual(70);
      expect(s.speed).toBeGreaterThanOrEqual(130);
      expect(s.speed).toBeLessThanOrEqual(210);
      expect(s.amplitude).toBeGreaterThanOrEqual(60);
      expect(s.amplitude).toBeLessThanOrEqual(140);
      expect(s.id).toMatch(new RegExp(`^\\d\\d-${s.voice}-${s.variant}$`));
    }
    // Many voices and variants are used, not a corner of the grid.
    expect(new Set(speakers.map((s) => s.voice)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(speakers.map((s) => s.variant)).size).toBeGreaterThanOrEqual(12);
    expect(espeakSpeakers(40, 1)).toEqual(speakers);
    expect(espeakSpeakers(40, 2)).not.toEqual(speakers);
    expect(() => espeakSpeakers(171, 1)).toThrow('speakers must be an integer from 2 to 170 (distinct voice and variant pairs), got 171');
  });

  it('holds out a seeded share of the speakers, at least one and never all', () => {
    const held = heldOutSpeakers(40, 0.2, 1);
    expect(held).toHaveLength(8);
    expect(held).toEqual([...held].sort((a, b) => a - b));
    expect(new Set(held).size).toBe(8);
    expect(held.every((i) => i >= 0 && i < 40)).toBe(true);
    expect(heldOutSpeakers(40, 0.2, 1)).toEqual(held);
    expect(heldOutSpeakers(40, 0.2, 2)).not.toEqual(held);
    expect(heldOutSpeakers(3, 0.01, 1)).toHaveLength(1);
    expect(heldOutSpeakers(3, 0.99, 1)).toHaveLength(2);
    expect(() => heldOutSpeakers(40, 1, 1)).toThrow('testShare must be in (0, 1), got 1');
  });

  it('passes voice+variant, pitch, speed and amplitude to espeak-ng, the word after --', () => {
    const speaker = { id: '03-en-gb-m3', voice: 'en-gb', variant: 'm3', pitch: 41, speed: 150, amplitude: 90 };
    expect(espeakArgs(speaker, '-one', '/x/a.wav')).toEqual(['-v', 'en-gb+m3', '-p', '41', '-s', '150', '-a', '90', '-w', '/x/a.wav', '--', '-one']);
  });

  it('refuses words that cannot be folder names, too few words, and a missing espeak-ng, naming the apt command', async () => {
    await expect(espeakWordsFolders({ root: join(dir, 'x'), words: ['yes', '../no'], log: () => {} })).rejects.toThrow("words must be letters, digits, spaces, apostrophes and hyphens (a folder name each), got '../no'");
    await expect(espeakWordsFolders({ root: join(dir, 'x'), words: ['yes'], log: () => {} })).rejects.toThrow('need at least 2 words, got 1');
    await expect(espeakWordsFolders({ root: join(dir, 'x'), espeak: join(dir, 'no-such-espeak'), log: () => {} })).rejects.toThrow(
      'not found. Install it: sudo apt-get update && sudo apt-get install -y espeak-ng',
    );
  });
});

/**
 * Runs the real espeak-ng: two words by three speakers. .ci/run and the Linux and macOS CI jobs
 * install it and set PRETEXT_REQUIRE_ESPEAK=1, which makes its absence a failure; elsewhere (a
 * Windows runner, a machine without it) the test says why it does not run.
 */
const espeakFound = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' }).status === 0;
const espeakRequired = process.env.PRETEXT_REQUIRE_ESPEAK === '1';
if (!espeakFound && !espeakRequired) console.warn('espeak-ng is not installed: the test that synthesises words is not run (sudo apt-get install -y espeak-ng; PRETEXT_REQUIRE_ESPEAK=1 makes it required)');
describe.skipIf(!espeakFound && !espeakRequired)('espeakWordsFolders with espeak-ng', () => {
  const options = { words: ['yes', 'seven'], speakers: 3, testShare: 0.34, seed: 3, concurrency: 2 };

  it('writes word folders of decodable WAVs, whole speakers held out, and finds them cached the second time', async () => {
    const root = join(dir, 'words');
    const lines: string[] = [];
    const folders = await espeakWordsFolders({ ...options, root, log: (l) => lines.push(l) });
    expect(folders.classes).toEqual(['yes', 'seven']);
    expect(folders.counts).toEqual({ train: [2, 2], test: [1, 1] });
    expect(folders.testSpeakers).toHaveLength(1);
    const held = folders.testSpeakers[0]!;
    const trainIds = folders.speakers.map((s) => s.id).filter((id) => id !== held);
    for (const word of folders.classes) {
      expect(readdirSync(join(folders.trainDir, word)).sort()).toEqual(trainIds.map((id) => `${id}.wav`).sort());
      expect(readdirSync(join(folders.testDir, word))).toEqual([`${held}.wav`]);
    }
    const clips = [...folders.classes.flatMap((w) => [...trainIds.map((id) => join(folders.trainDir, w, `${id}.wav`)), join(folders.testDir, w, `${held}.wav`)])];
    for (const path of clips) {
      const probe = await probeAudio(readFileSync(path), 'wav');
      expect(probe).toMatchObject({ ok: true, sampleRate: 22050, channels: 1 });
      if (probe.ok) expect(probe.durationSec).toBeGreaterThan(0.2);
    }
    // Every clip differs: the voices, variants and words really reached espeak-ng.
    expect(new Set(clips.map((p) => createHash('sha256').update(readFileSync(p)).digest('hex'))).size).toBe(clips.length);
    const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { espeakVersion: string; speakers: unknown[] };
    expect(manifest.espeakVersion).toMatch(/^eSpeak NG text-to-speech: \d/);
    expect(manifest.speakers).toEqual(folders.speakers);
    expect(lines.at(-1)).toMatch(/^espeak-words: 6 clips in [\d.]+ s$/);

    const again: string[] = [];
    expect(await espeakWordsFolders({ ...options, root, log: (l) => again.push(l) })).toEqual(folders);
    expect(again).toEqual([`espeak-words: cached in ${root} (2 words × 3 speakers, seed 3)`]);
    // A clip gone: made again, the same bytes (espeak-ng is deterministic).
    const first = readFileSync(clips[0]!);
    rmSync(clips[0]!);
    writeFileSync(join(folders.trainDir, 'yes', 'stray.txt'), 'not a clip');
    await espeakWordsFolders({ ...options, root, log: () => {} });
    expect(readFileSync(clips[0]!)).toEqual(first);
    expect(readdirSync(join(folders.trainDir, 'yes'))).not.toContain('stray.txt');
  }, 60_000);
});
