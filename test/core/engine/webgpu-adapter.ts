/**
 * Test helper: the webgpu backend on a software adapter. Dawn finds no adapter on a machine without
 * a GPU; Chromium's SwiftShader Vulkan driver (Debian's chromium package, which CI installs) gives
 * it one when VK_ICD_FILENAMES names it. The app never does this by itself: this helper sets it for
 * the test process only, and only when the variable is unset and the file exists.
 *
 * With PRETEXT_REQUIRE_WEBGPU=1 (.ci/run) a missing adapter fails the tests instead of skipping them.
 */
import { existsSync } from 'node:fs';
import { BackendUnavailableError, initBackend, type BackendInfo, type InitBackendOptions } from '../../../src-main/core/engine/backend';
import { CHROMIUM_SWIFTSHADER_ICD } from '../../../src-main/core/engine/webgpu';

if (process.env.VK_ICD_FILENAMES === undefined && process.env.VK_DRIVER_FILES === undefined && existsSync(CHROMIUM_SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = CHROMIUM_SWIFTSHADER_ICD;
}

/** Whether the tests must fail rather than skip without an adapter. */
export const WEBGPU_REQUIRED = process.env.PRETEXT_REQUIRE_WEBGPU === '1';

/** Why webgpu is unavailable here (the tests then skip), or null when it works. */
export async function webgpuUnavailable(): Promise<string | null> {
  try {
    await initBackend('webgpu');
    return null;
  } catch (error) {
    if (WEBGPU_REQUIRED || !(error instanceof BackendUnavailableError)) throw error;
    return error.why;
  }
}

/** The webgpu backend, asked for by name (a software adapter is accepted). */
export function useWebGpu(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  return initBackend('webgpu', opts);
}
