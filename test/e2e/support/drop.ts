import type { Locator } from '@playwright/test';

/**
 * Drops files or folders from disk onto `target`, as a file manager would. The page gets File
 * objects backed by those paths, set through the DevTools protocol the way a file chooser sets them
 * (Playwright's own setInputFiles refuses a folder unless the input lists its contents), carried by
 * dragenter, dragover and drop in one DataTransfer. Under Electron the preload's
 * `webUtils.getPathForFile` resolves such a File to its path, as for a real drop; a browser gets
 * the same File, its name and bytes, and no path.
 */
export async function dropPaths(target: Locator, paths: string[]): Promise<void> {
  const page = target.page();
  const cdp = await page.context().newCDPSession(page);
  try {
    const { result } = await cdp.send('Runtime.evaluate', {
      expression: `(() => {
        const input = document.createElement('input');
        input.type = 'file';
        input.multiple = true;
        input.hidden = true;
        input.dataset.e2eDrop = '';
        document.body.append(input);
        return input;
      })()`,
    });
    if (!result.objectId) throw new Error(`could not make a file input to drop from: ${JSON.stringify(result)}`);
    await cdp.send('DOM.setFileInputFiles', { objectId: result.objectId, files: paths });
  } finally {
    await cdp.detach();
  }
  await target.evaluate((element) => {
    const input = document.querySelector<HTMLInputElement>('input[data-e2e-drop]')!;
    const data = new DataTransfer();
    for (const file of Array.from(input.files ?? [])) data.items.add(file);
    input.remove();
    for (const type of ['dragenter', 'dragover', 'drop']) {
      element.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
    }
  });
}
