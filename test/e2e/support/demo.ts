import { join } from 'node:path';
import { repoRoot } from './serve';

/** The bundled image demo: 120 images of 64×64 pixels in 3 labelled classes (circle/square/triangle sub-folders). */
export const SHAPES = join(repoRoot, 'resources', 'demo', 'shapes');
export const SHAPES_IMAGES = 120;
export const SHAPES_LABELS = ['circle', 'square', 'triangle'];
