/**
 * Nearest-neighbour search helpers: the similarity's text, the file a drop may carry, and turning its
 * bytes into the base64 the call carries. Pure, tested in test/renderer.
 */
import type { Modality } from '../../../src-main/contract';

/** Results asked for by default, and the choices offered. */
export const DEFAULT_K = 12;
export const K_CHOICES: readonly number[] = [6, 12, 24, 48];

/**
 * Largest file a search may send: the serve transport takes messages up to 16 MiB and base64 adds a
 * third, so 10 MiB leaves room.
 */
export const MAX_QUERY_BYTES = 10 * 1024 * 1024;

/** Cosine similarity with three decimals: 1 → "1.000", 0.83219 → "0.832". */
export function formatSimilarity(similarity: number): string {
  if (!Number.isFinite(similarity)) return '–';
  return similarity.toFixed(3);
}

/** The file picker's `accept` for a dataset's modality. */
export function acceptFor(modality: Modality | null): string {
  switch (modality) {
    case 'image':
      return 'image/*,.png,.jpg,.jpeg,.gif,.bmp,.webp,.tif,.tiff';
    case 'text':
      return 'text/*,.txt,.md';
    case 'audio':
      return 'audio/*,.wav,.mp3,.flac,.ogg,.m4a';
    default:
      return '';
  }
}

const EXTENSIONS: Record<Modality, readonly string[]> = {
  image: ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'tif', 'tiff'],
  text: ['txt', 'md', 'text'],
  audio: ['wav', 'mp3', 'flac', 'ogg', 'oga', 'm4a', 'aac'],
};

/** Why a dropped file cannot be searched with, or null when it can. */
export function queryFileProblem(file: { name: string; size: number; type: string }, modality: Modality | null): string | null {
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_QUERY_BYTES) return `“${file.name}” is larger than ${MAX_QUERY_BYTES / 1024 / 1024} MB.`;
  if (modality === null) return null;
  const ext = /\.([^./]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? '';
  const byType = file.type.startsWith(`${modality}/`) || (modality === 'text' && file.type.startsWith('text/'));
  if (byType || EXTENSIONS[modality].includes(ext)) return null;
  const what = modality === 'image' ? 'an image' : modality === 'audio' ? 'an audio file' : 'a text file';
  return `This run was trained on ${modality === 'audio' ? 'audio' : `${modality}s`}: drop ${what}.`;
}

/** Base64 of bytes, in chunks (String.fromCharCode takes a limited number of arguments). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
