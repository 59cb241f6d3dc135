/**
 * The map's 2-D camera: which point of the map is at the centre of the view and how far it is zoomed,
 * and the conversions between map coordinates (the [-1, 1] square of `fitToMap`, y up) and screen
 * pixels (CSS pixels from the map's top-left corner, y down). Pure, tested in test/renderer.
 */

export interface Camera {
  /** Map coordinates at the centre of the view. */
  x: number;
  y: number;
  /** 1 = the [-1, 1] square fits the smaller side of the view. */
  zoom: number;
}

export interface Viewport {
  width: number;
  height: number;
}

export const HOME: Camera = { x: 0, y: 0, zoom: 1 };
export const MIN_ZOOM = 0.4;
export const MAX_ZOOM = 4000;

/** Screen pixels per map unit. */
export function pixelsPerUnit(camera: Camera, view: Viewport): number {
  return (camera.zoom * Math.min(view.width, view.height)) / 2;
}

export function toScreen(camera: Camera, view: Viewport, x: number, y: number): { x: number; y: number } {
  const k = pixelsPerUnit(camera, view);
  return { x: view.width / 2 + (x - camera.x) * k, y: view.height / 2 - (y - camera.y) * k };
}

export function toMap(camera: Camera, view: Viewport, sx: number, sy: number): { x: number; y: number } {
  const k = pixelsPerUnit(camera, view);
  return { x: camera.x + (sx - view.width / 2) / k, y: camera.y - (sy - view.height / 2) / k };
}

/** Moves the view by a drag of (dx, dy) screen pixels: the map follows the pointer. */
export function pan(camera: Camera, view: Viewport, dx: number, dy: number): Camera {
  const k = pixelsPerUnit(camera, view);
  return { x: camera.x - dx / k, y: camera.y + dy / k, zoom: camera.zoom };
}

/** Zooms by `factor` keeping the map point under (sx, sy) where it is. */
export function zoomAt(camera: Camera, view: Viewport, sx: number, sy: number, factor: number): Camera {
  const zoom = clampZoom(camera.zoom * factor);
  const anchor = toMap(camera, view, sx, sy);
  const k = pixelsPerUnit({ ...camera, zoom }, view);
  return { x: anchor.x - (sx - view.width / 2) / k, y: anchor.y + (sy - view.height / 2) / k, zoom };
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Number.isFinite(zoom) ? zoom : 1));
}

/** The zoom factor of one wheel event (trackpads send many small ones, mice fewer large ones). */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-600, Math.min(600, pixels)) * 0.0018);
}

/**
 * The camera that shows a box of map coordinates with `padding` (a share of the box) around it; a box
 * of one point is shown at `pointZoom`.
 */
export function fitBox(
  box: { minX: number; maxX: number; minY: number; maxY: number },
  view: Viewport,
  padding = 0.15,
  pointZoom = 24,
): Camera {
  const w = box.maxX - box.minX;
  const h = box.maxY - box.minY;
  const x = (box.minX + box.maxX) / 2;
  const y = (box.minY + box.maxY) / 2;
  if (!(w > 0) && !(h > 0)) return { x, y, zoom: clampZoom(pointZoom) };
  const half = Math.min(view.width, view.height) / 2;
  // The box must fit both ways: width across the view's width, height across its height.
  const zoomX = w > 0 ? view.width / (w * (1 + padding) * half) : Infinity;
  const zoomY = h > 0 ? view.height / (h * (1 + padding) * half) : Infinity;
  return { x, y, zoom: clampZoom(Math.min(zoomX, zoomY)) };
}

/** The bounding box of some points. */
export function boxOf(x: Float32Array, y: Float32Array, indices: ArrayLike<number>): { minX: number; maxX: number; minY: number; maxY: number } | null {
  if (indices.length === 0) return null;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let n = 0; n < indices.length; n++) {
    const i = indices[n]!;
    if (x[i]! < minX) minX = x[i]!;
    if (x[i]! > maxX) maxX = x[i]!;
    if (y[i]! < minY) minY = y[i]!;
    if (y[i]! > maxY) maxY = y[i]!;
  }
  return { minX, maxX, minY, maxY };
}

/** A camera between two, for animated moves: position and zoom interpolated (zoom on a log scale). */
export function between(a: Camera, b: Camera, t: number): Camera {
  if (t >= 1) return { ...b };
  const s = t < 0.5 ? 4 * t * t * t : 1 - (-2 * t + 2) ** 3 / 2; // cubic in-out
  const zoom = Math.exp(Math.log(a.zoom) + (Math.log(b.zoom) - Math.log(a.zoom)) * s);
  return { x: a.x + (b.x - a.x) * s, y: a.y + (b.y - a.y) * s, zoom };
}

/** Point size in CSS pixels at a zoom: points grow slowly as one zooms in, so clusters separate. */
export function pointSizeAt(base: number, zoom: number): number {
  return base * Math.min(4, 1 + 0.45 * Math.log2(Math.max(1, zoom)));
}
