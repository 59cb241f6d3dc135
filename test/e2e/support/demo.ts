import { join } from 'node:path';
import { repoRoot } from './serve';

/** The bundled image demo: 450 images of 32×32 pixels in 3 labelled classes (checks/dots/stripes sub-folders). */
export const PATTERNS = join(repoRoot, 'resources', 'demo', 'patterns');
export const PATTERNS_IMAGES = 450;
export const PATTERNS_LABELS = ['checks', 'dots', 'stripes'];
