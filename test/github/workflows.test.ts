import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import config from '../../electron-builder';

/**
 * The hosted CI's workflows (.github/workflows), checked here where they cannot run: each is valid
 * for GitHub Actions by @action-validator/cli (GitHub's workflow schema, compiled to wasm, offline),
 * and does what the README promises of it.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workflowsDir = join(root, '.github', 'workflows');
const validatorCli = join(dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')), 'cli.mjs');

function actionValidator(file: string) {
  return spawnSync(process.execPath, [validatorCli, file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on'?: string;
  uses?: string;
  needs?: string | string[];
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  strategy?: { matrix: { os?: string[]; include?: Record<string, string>[] } };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}
const workflow = (name: string) => load(readFileSync(join(workflowsDir, name), 'utf8')) as Workflow;
const runs = (job: Job) => (job.steps ?? []).flatMap((step) => (step.run ? [step.run] : []));
const runnersOf = (job: Job) => job.strategy?.matrix.os ?? job.strategy?.matrix.include?.map((entry) => entry.os!) ?? [];

describe('GitHub Actions workflows', () => {
  const files = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name)).sort();

  it('are ci.yml and release.yml', () => {
    expect(files).toEqual(['ci.yml', 'release.yml']);
  });

  for (const file of files) {
    it(`${file} passes action-validator`, () => {
      const result = actionValidator(join(workflowsDir, file));
      expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
      expect(result.status).toBe(0);
    });
  }

  it('action-validator rejects a workflow GitHub would reject (so passing means something)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pretext-workflow-'));
    try {
      const bad = join(dir, 'bad.yml');
      writeFileSync(bad, 'name: bad\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    step:\n      - run: npm test\n');
      const result = actionValidator(bad);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("Additional property 'step' is not allowed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ci.yml runs the README test command on Linux, macOS and Windows, the Electron spec on Linux under xvfb-run', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request', 'workflow_call']));
    const test = ci.jobs.test!;
    const runners = runnersOf(test);
    for (const os of ['ubuntu', 'macos', 'windows']) expect(runners.some((r) => r.startsWith(os)), os).toBe(true);
    const commands = runs(test);
    expect(commands).toContain('npm ci');
    expect(commands.some((c) => /^xvfb-run .*npm test$/.test(c))).toBe(true);
    expect(test.steps!.find((s) => s.run?.startsWith('xvfb-run'))?.if).toBe("runner.os == 'Linux'");
    expect(commands).toContain('npm test');
    // A missing Electron binary fails the run rather than skipping test/e2e/electron.spec.ts.
    expect(test.env?.PRETEXT_REQUIRE_ELECTRON).toBe('1');
  });

  it('ci.yml packages the app on each platform and runs its self-test', () => {
    const pack = workflow('ci.yml').jobs.package!;
    for (const os of ['ubuntu', 'macos', 'windows']) expect(runnersOf(pack).some((r) => r.startsWith(os)), os).toBe(true);
    expect(runs(pack)).toEqual(expect.arrayContaining(['npm ci', 'npm run dist -- --dir']));
    expect(runs(pack).some((c) => c.includes('scripts/smoke-packaged.ts'))).toBe(true);
  });

  it('release.yml, on version tags, tests, builds every installer of electron-builder.ts on its platform and attaches them to a release', () => {
    const release = workflow('release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.jobs.test?.uses).toBe('./.github/workflows/ci.yml');
    const installers = release.jobs.installers!;
    expect(installers.needs).toBe('test');
    const dists = installers.strategy!.matrix.include!.map((entry) => entry.dist);
    expect(dists).toEqual(['--linux --x64', '--mac --arm64', '--mac --x64', '--win --x64']);
    expect(runs(installers)).toContain('npm run dist -- ${{ matrix.dist }}');
    expect(runs(installers).some((c) => c.includes('scripts/smoke-packaged.ts'))).toBe(true);
    // Every installer electron-builder.ts makes is uploaded.
    const uploaded = String(installers.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with?.path);
    const targets = [config.linux?.target, config.mac?.target, config.win?.target].flat() as string[];
    const extension: Record<string, string> = { AppImage: '.AppImage', deb: '.deb', dmg: '.dmg', nsis: '.exe' };
    for (const target of targets) expect(uploaded, target).toContain(`dist/Pretext-*${extension[target]}`);
    const publish = release.jobs.release!;
    expect(publish.needs).toBe('installers');
    expect(publish.permissions).toEqual({ contents: 'write' });
    expect(runs(publish).join('\n')).toMatch(/gh release upload "\$GITHUB_REF_NAME" installers\/\*/);
  });

  it("the workflows and .ci/run run the README's test command", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm test');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toContain('npm ci && npm test');
  });
});
