/** Browser downloads of answers that need a POST (a link cannot carry a body). */
import { fileNameFromDisposition } from './explore-export';

export interface DownloadResult {
  fileName: string;
  bytes: number;
}

/**
 * Fetches `url` and saves the answer as a file: the body becomes a Blob, the Blob an object URL, and a
 * temporary `<a download>` is clicked. The name comes from the server's Content-Disposition.
 */
export async function downloadFrom(url: string, init: RequestInit, fallbackName: string): Promise<DownloadResult> {
  const response = await fetch(url, { credentials: 'same-origin', ...init });
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).trim();
    throw new Error(text || `The server answered ${response.status} ${response.statusText}`);
  }
  const blob = await response.blob();
  const fileName = fileNameFromDisposition(response.headers.get('Content-Disposition'), fallbackName);
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download asynchronously; the URL must outlive it.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return { fileName, bytes: blob.size };
}
