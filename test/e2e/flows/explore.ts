import { expect } from '@playwright/test';
import { join } from 'node:path';
import type { Flow } from '../support/app';
import { pretextSync } from '../support/cli';
import { PATTERNS, PATTERNS_IMAGES, PATTERNS_LABELS } from '../support/demo';
import { ExplorePage, loneliest } from '../support/explore-page';
import { csvLines } from '../support/exports';

/** Exploring a run: the map, hover previews, search by a point and by a dropped file, lasso, selection export. */
export const exploreFlows: Flow[] = [
  {
    title: 'maps a run, previews on hover, searches by a clicked point and a dropped file, lassoes and exports the selection',
    timeout: 180_000,
    // A short run trained with the CLI on the database the window then opens: faster than the UI.
    prepare(dbPath) {
      const train = pretextSync(dbPath, 'train', PATTERNS, '--method', 'simclr', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--json');
      expect(train.status, train.stderr).toBe(0);
    },
    async run(app) {
      const { page } = app;
      const explore = new ExplorePage(page);
      await explore.open();
      await expect(page.getByTestId('explore-run')).toHaveValue(/^\d+$/);
      const runId = await page.getByTestId('explore-run').inputValue();

      // Compute a UMAP map: progress while it runs, then every point on the map, coloured by label.
      await explore.computeProjection('umap', 1);
      await expect(explore.map).toHaveAttribute('data-points', String(PATTERNS_IMAGES), { timeout: 60_000 });
      await expect(explore.map).not.toHaveAttribute('data-projection-id', '');
      const projectionId = await explore.map.getAttribute('data-projection-id');
      await expect(page.getByTestId('legend-item')).toHaveCount(PATTERNS_LABELS.length);
      for (const label of PATTERNS_LABELS) await expect(explore.legendItem(label)).toContainText(String(PATTERNS_IMAGES / PATTERNS_LABELS.length));
      if (app.shell === 'browser') {
        // The browser downloads whole-run exports from links; Electron asks where to write them.
        await expect(page.getByTestId('export-embeddings')).toHaveAttribute('href', `/export/run/${runId}.csv`);
        await expect(page.getByTestId('export-coordinates')).toHaveAttribute('href', `/export/run/${runId}/coordinates.csv?projection=${projectionId}`);
      }

      // Hovering a point shows its item: the thumbnail, its path and label.
      const points = await explore.points();
      expect(points).toHaveLength(PATTERNS_IMAGES);
      const lone = loneliest(points);
      await page.mouse.move(lone.x, lone.y);
      const card = page.getByTestId('hover-card');
      await expect(card).toHaveAttribute('data-item-id', String(lone.itemId));
      await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      await expect(card).toContainText(/\.png/);

      // Clicking it searches its nearest neighbours: first the item itself, at similarity 1.000.
      await page.mouse.click(lone.x, lone.y);
      const results = page.getByTestId('search-results');
      await expect(results).toHaveAttribute('data-query-item-id', String(lone.itemId));
      const first = page.getByTestId('search-result').first();
      await expect(first).toHaveAttribute('data-item-id', String(lone.itemId));
      await expect(first).toContainText('1.000');
      await expect(page.getByTestId('search-result')).toHaveCount(12);
      // The renderer's top five are the five `pretext search --item <path> -k 5` prints.
      const itemPath = (await first.getAttribute('data-path')) ?? '';
      const cli = pretextSync(app.dbPath, 'search', runId, '--item', itemPath, '-k', '5', '--json');
      expect(cli.status, cli.stderr).toBe(0);
      const cliTop = (JSON.parse(cli.stdout) as { results: { itemId: number; similarity: number }[] }).results;
      expect(cliTop[0]!.similarity).toBeCloseTo(1, 5);
      const uiTop = await page.getByTestId('search-result').evaluateAll((rows) => rows.slice(0, 5).map((r) => Number(r.getAttribute('data-item-id'))));
      expect(uiTop).toEqual(cliTop.map((r) => r.itemId));

      // The same image dropped from disk on the search panel is embedded by the run's encoder: its
      // nearest item is itself.
      await explore.searchByDroppedFile(join(PATTERNS, itemPath));
      await expect(results).toHaveAttribute('data-query-item-id', '');
      await expect(results).toHaveAttribute('aria-busy', 'false');
      await expect(page.getByTestId('search-error')).toHaveCount(0);
      await expect(page.getByTestId('search-result')).toHaveCount(12);
      await expect(first).toHaveAttribute('data-item-id', String(lone.itemId));
      expect(Number(await first.getAttribute('data-similarity'))).toBeGreaterThan(0.99);

      // A lasso around the left part of the map selects the points inside it, and only those.
      const xs = points.map((p) => p.x).sort((a, b) => a - b);
      const ys = points.map((p) => p.y);
      // Cut between two points near the middle where the gap is widest, so no point sits on the line.
      let cut = 0;
      let widest = -1;
      for (let i = Math.floor(xs.length * 0.3); i < Math.floor(xs.length * 0.7); i++) {
        if (xs[i + 1]! - xs[i]! > widest) {
          widest = xs[i + 1]! - xs[i]!;
          cut = (xs[i]! + xs[i + 1]!) / 2;
        }
      }
      const top = Math.min(...ys) - 14;
      const bottom = Math.max(...ys) + 14;
      const left = xs[0]! - 14;
      await page.getByTestId('clear-selection').click();
      await expect(page.getByTestId('selection-count')).toHaveCount(0);
      // Start at the bottom-left corner: the map's toolbar floats over its top-left.
      await page.mouse.move(left, bottom);
      await expect(card).toHaveCount(0);
      await explore.lasso([
        [left, bottom],
        [left, top],
        [cut, top],
        [cut, bottom],
      ]);
      const inside = points.filter((p) => p.x < cut).map((p) => p.itemId);
      expect(inside.length).toBeGreaterThan(0);
      await expect(page.getByTestId('selection-count')).toHaveText(String(inside.length));
      const selected = await explore.selectedItemIds();
      expect([...selected].sort((a, b) => a - b)).toEqual([...inside].sort((a, b) => a - b));

      // Its embeddings export as CSV: a header, then exactly one row per selected item.
      const lines = csvLines(await explore.exportSelection(app, 'embeddings'));
      expect(lines[0]).toMatch(/^path,label,e0/);
      expect(lines).toHaveLength(inside.length + 1);
      // The rows are the selected items: compare with the core's own list of their paths, from the
      // data route both shells serve.
      const expectedPaths = await page.evaluate(
        async ({ runId, itemIds }) => {
          const response = await fetch(`/export/run/${runId}/selection?kind=paths`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ itemIds }),
          });
          if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
          return (await response.text()).trim().split(/\r?\n/);
        },
        { runId, itemIds: selected },
      );
      const csvPaths = lines.slice(1).map((line) => line.split(',')[0]!);
      expect(csvPaths.sort()).toEqual(expectedPaths.sort());

      // Clear empties the selection.
      await page.getByTestId('clear-selection').click();
      await expect(page.getByTestId('selection-count')).toHaveCount(0);
    },
  },
];
