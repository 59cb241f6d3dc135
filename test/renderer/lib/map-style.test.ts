import { expect, test } from 'vitest';
import { cardPlacement, pointStyleFor } from '../../../src-renderer/src/lib/map-style';

test('points shrink and fade as there are more of them', () => {
  const counts = [120, 5_000, 50_000, 1_000_000];
  const styles = counts.map(pointStyleFor);
  expect(styles.map((s) => s.size)).toEqual([...styles.map((s) => s.size)].sort((a, b) => b - a));
  expect(styles.map((s) => s.opacity)).toEqual([...styles.map((s) => s.opacity)].sort((a, b) => b - a));
  expect(pointStyleFor(1_000_000).size).toBeGreaterThanOrEqual(1.5);
});

test('the card sits below right of the point, flipped near the edges', () => {
  const card = { width: 200, height: 100 };
  const bounds = { width: 800, height: 600 };
  expect(cardPlacement({ x: 100, y: 100 }, card, bounds)).toEqual({ left: 114, top: 114 });
  expect(cardPlacement({ x: 700, y: 550 }, card, bounds)).toEqual({ left: 486, top: 436 });
  expect(cardPlacement({ x: 10, y: 10 }, { width: 900, height: 700 }, bounds)).toEqual({ left: 4, top: 4 });
});
