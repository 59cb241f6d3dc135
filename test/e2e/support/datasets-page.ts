import { expect, type Locator, type Page } from '@playwright/test';
import { dropPaths } from './drop';

/** The datasets screen, as a person uses it: type a folder path, import, read the counts and previews. */
export class DatasetsPage {
  constructor(readonly page: Page) {}

  stat(name: 'total' | 'image' | 'text' | 'audio' | 'skipped'): Locator {
    return this.page.getByTestId(`stat-${name}`);
  }

  /** Shows the add-folder panel (it is the whole screen while no dataset exists). */
  async openAddFolder(): Promise<void> {
    const add = this.page.getByTestId('add-folder');
    if (await add.isVisible()) await add.click();
  }

  get pathInput(): Locator {
    return this.page.getByTestId('path-input');
  }

  get dropZone(): Locator {
    return this.page.getByRole('region', { name: 'Drop a folder here' });
  }

  /** Drops a folder from disk onto the add-folder panel, as from a file manager. */
  async dropFolder(path: string): Promise<void> {
    await this.openAddFolder();
    await dropPaths(this.dropZone, [path]);
  }

  async importByPath(path: string): Promise<void> {
    await this.openAddFolder();
    const input = this.page.getByTestId('path-input');
    await input.fill(path);
    await expect(this.page.getByTestId('path-message')).toContainText(/Folder with/);
    await this.page.getByTestId('import-button').click();
  }

  async expectCounts(counts: { total: number; image: number; text: number; audio: number; skipped: number }): Promise<void> {
    for (const [name, value] of Object.entries(counts)) {
      await expect(this.stat(name as keyof typeof counts)).toHaveText(String(value));
    }
  }

  labelRow(label: string): Locator {
    return this.page.locator(`[data-testid="label-row"][data-label="${label}"]`);
  }

  cards(modality?: 'image' | 'text' | 'audio'): Locator {
    const all = this.page.getByTestId('preview-card');
    return modality ? all.and(this.page.locator(`[data-modality="${modality}"]`)) : all;
  }

  async openSkipped(): Promise<Locator> {
    await this.page.getByTestId('skipped-tab').click();
    return this.page.getByTestId('skipped-row');
  }
}
