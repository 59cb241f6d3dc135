/**
 * `npx tsx scripts/make-icons.ts`: the installers' icon, resources/icon.png (1024×1024), drawn from
 * the app's mark (src-renderer/public/favicon.svg, also the window's header). electron-builder makes
 * the macOS .icns and the Windows .ico from it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 1024;
const svg = readFileSync(join(root, 'src-renderer', 'public', 'favicon.svg'));
// The mark is drawn on a 24-unit grid at 32 px; render it at the icon's size rather than scaling pixels.
await sharp(svg, { density: (72 * SIZE) / 32 })
  .resize(SIZE, SIZE)
  .png({ compressionLevel: 9 })
  .toFile(join(root, 'resources', 'icon.png'));
console.log(`resources/icon.png: ${SIZE}×${SIZE}`);
