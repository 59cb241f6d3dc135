import { expect, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import type { SelectionExportKind } from '../../../src-main/contract';
import type { AppWindow } from './app';
import { dropPaths } from './drop';
import { downloadText, writtenText } from './exports';

/** The renderer's test hook (src-renderer/src/lib/explore-hook.ts), as seen from the test process. */
interface ExploreTestHook {
  itemIds(): number[];
  pointScreenPosition(itemId: number): { x: number; y: number } | null;
  selectedItemIds(): number[];
}

export interface ScreenPoint {
  itemId: number;
  x: number;
  y: number;
}

/**
 * The Explore screen, as a person uses it. The map is one WebGL canvas, so where a point is drawn
 * comes from the screen's test hook (`window.__pretextExplore`); everything else is the mouse.
 */
export class ExplorePage {
  constructor(readonly page: Page) {}

  get map(): Locator {
    return this.page.getByTestId('map');
  }

  async open(): Promise<void> {
    await this.page.getByTestId('nav-explore').click();
    await expect(this.page.getByTestId('nav-explore')).toHaveAttribute('aria-current', 'page');
  }

  async computeProjection(method: 'umap' | 'pca', seed: number): Promise<void> {
    await this.page.getByTestId('projection-method').selectOption(method);
    await this.page.getByTestId('projection-seed').fill(String(seed));
    await this.page.getByTestId('compute-projection').click();
  }

  legendItem(label: string): Locator {
    return this.page.locator(`[data-testid="legend-item"][data-label="${label}"]`);
  }

  /** Every drawn point with its page position. */
  async points(): Promise<ScreenPoint[]> {
    return this.page.evaluate(() => {
      const hook = (window as unknown as { __pretextExplore: ExploreTestHook }).__pretextExplore;
      return hook.itemIds().map((itemId: number) => ({ itemId, ...hook.pointScreenPosition(itemId)! }));
    });
  }

  async selectedItemIds(): Promise<number[]> {
    return this.page.evaluate(() => (window as unknown as { __pretextExplore: ExploreTestHook }).__pretextExplore.selectedItemIds());
  }

  /** Drops a file from disk on the search panel: its nearest neighbours by the run's encoder. */
  async searchByDroppedFile(path: string): Promise<void> {
    await dropPaths(this.page.getByTestId('search-drop'), [path]);
  }

  /**
   * Exports the selection as the shell offers it and returns the file's text: a download in the
   * browser; under Electron, the export dialog writes it to a file in the app's scratch folder.
   */
  async exportSelection(app: AppWindow, kind: SelectionExportKind): Promise<string> {
    const button = this.page.getByTestId(`export-selection-${kind}`);
    if (app.shell === 'browser') return downloadText(button);
    const target = join(app.scratch, `selection-${kind}-${Date.now()}.${kind === 'paths' ? 'txt' : 'csv'}`);
    await button.click();
    await this.page.getByTestId('export-path').fill(target);
    await this.page.getByTestId('export-confirm').click();
    return writtenText(target);
  }

  /** Draws a closed lasso through page positions with the mouse (the map's lasso tool). */
  async lasso(vertices: [number, number][]): Promise<void> {
    await this.page.getByTestId('map-mode-lasso').click();
    const [first, ...rest] = vertices;
    await this.page.mouse.move(first![0], first![1]);
    await this.page.mouse.down();
    for (const [x, y] of [...rest, first!]) await this.page.mouse.move(x, y, { steps: 6 });
    await this.page.mouse.up();
    await this.page.getByTestId('map-mode-pan').click();
  }
}

/** The point farthest from its nearest neighbour: nothing else is under the pointer there. */
export function loneliest(points: ScreenPoint[]): ScreenPoint {
  let best = points[0]!;
  let bestGap = -1;
  for (const p of points) {
    let gap = Infinity;
    for (const q of points) if (q !== p) gap = Math.min(gap, Math.hypot(p.x - q.x, p.y - q.y));
    if (gap > bestGap) {
      bestGap = gap;
      best = p;
    }
  }
  return best;
}
