/** The part of a uPlot chart that follows its host's size. */
interface Sized {
  width: number;
  height: number;
  setSize(size: { width: number; height: number }): void;
}

/**
 * Keeps a chart the size of its host element (at least 100×100 px), resizing only when the size
 * really changed. Returns the function that stops watching. Shared by the loss, overlay and
 * evaluation charts.
 */
export function followHostSize(host: HTMLElement, plot: () => Sized | null): () => void {
  const observer = new ResizeObserver(() => {
    const chart = plot();
    if (!chart) return;
    const width = Math.max(100, Math.floor(host.clientWidth));
    const height = Math.max(100, Math.floor(host.clientHeight));
    if (width !== chart.width || height !== chart.height) chart.setSize({ width, height });
  });
  observer.observe(host);
  return () => observer.disconnect();
}
