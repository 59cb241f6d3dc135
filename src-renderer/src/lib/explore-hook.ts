/**
 * A small hook for end-to-end tests only: a WebGL canvas has no DOM per point, so a test asks where a
 * point is drawn (to hover, click or lasso it with the mouse) and can select points by item id.
 * Installed while the Explore screen is open; nothing in the app reads it.
 */
export interface ExploreTestHook {
  /** Page coordinates of an item's point, or null when it is not drawn. */
  pointScreenPosition(itemId: number): { x: number; y: number } | null;
  /** Selects the points of these items; returns how many are on the map. */
  selectByIds(itemIds: number[]): number;
  /** Item ids of the main map's points, in draw order. */
  itemIds(): number[];
  /** Item ids of the selected points. */
  selectedItemIds(): number[];
}

declare global {
  interface Window {
    __pretextExplore?: ExploreTestHook;
  }
}

export function installExploreHook(target: Window, hook: ExploreTestHook): () => void {
  target.__pretextExplore = hook;
  return () => {
    if (target.__pretextExplore === hook) delete target.__pretextExplore;
  };
}
