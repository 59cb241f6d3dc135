/**
 * How points are drawn for a given number of them: large and opaque for a few hundred, small and
 * translucent for a million so dense regions read as density rather than a solid blob. Pure, tested in
 * test/renderer.
 */

export interface PointStyle {
  /** CSS pixels at the initial zoom (regl-scatterplot grows points as one zooms in). */
  size: number;
  opacity: number;
}

export function pointStyleFor(count: number): PointStyle {
  if (count <= 2_000) return { size: 7, opacity: 0.95 };
  if (count <= 20_000) return { size: 4.5, opacity: 0.85 };
  if (count <= 200_000) return { size: 3, opacity: 0.7 };
  return { size: 2, opacity: 0.55 };
}

/** Where a floating card goes beside a point so that it stays inside the map. */
export function cardPlacement(
  point: { x: number; y: number },
  card: { width: number; height: number },
  bounds: { width: number; height: number },
  gap = 14,
): { left: number; top: number } {
  const right = point.x + gap;
  const left = right + card.width <= bounds.width - 4 ? right : Math.max(4, point.x - gap - card.width);
  const below = point.y + gap;
  const top = below + card.height <= bounds.height - 4 ? below : Math.max(4, point.y - gap - card.height);
  return { left, top };
}
