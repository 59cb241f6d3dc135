/** Turns a drop on the add-folder zone into a folder path (Electron only). Tested in test/renderer. */

/** The parts of DataTransfer this module reads, so tests can pass plain objects. */
export interface DropData {
  readonly files: ArrayLike<File>;
  readonly items?: ArrayLike<{ kind: string; webkitGetAsEntry?: () => { isDirectory: boolean } | null }>;
}

export type DroppedFolder = { ok: true; path: string; note: string | null } | { ok: false; reason: string };

export function droppedFolder(data: DropData | null | undefined, pathForFile: (file: File) => string): DroppedFolder {
  const files = data ? Array.from(data.files) : [];
  const first = files[0];
  if (!first) return { ok: false, reason: 'Nothing was dropped. Drag a folder from your file manager.' };
  const entries = data?.items ? Array.from(data.items).filter((i) => i.kind === 'file') : [];
  const entry = entries[0]?.webkitGetAsEntry?.() ?? null;
  if (entry && !entry.isDirectory) {
    return { ok: false, reason: `"${first.name}" is a file. Drop the folder that holds it instead.` };
  }
  let path = '';
  try {
    path = pathForFile(first);
  } catch {
    path = '';
  }
  if (!path) return { ok: false, reason: `Could not find where "${first.name}" is on disk. Use "Choose folder…" instead.` };
  const note = files.length > 1 ? `${files.length} items were dropped; only "${first.name}" is being imported.` : null;
  return { ok: true, path, note };
}
