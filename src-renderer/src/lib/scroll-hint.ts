/** How many rows of a scrolled list lie below what is shown, for a "3 more ↓" hint. Pure, tested in test/renderer. */

/**
 * Rows hidden below the visible part of a list scrolled by `scrollTop` (a row cut by the bottom edge
 * counts as hidden: part of it is out of view). Sub-pixel leftovers of a list scrolled to its end count as none.
 */
export function rowsBelow(scrollHeight: number, scrollTop: number, clientHeight: number, rowHeight: number): number {
  if (!(rowHeight > 0)) return 0;
  const hidden = scrollHeight - scrollTop - clientHeight;
  return hidden <= 2 ? 0 : Math.ceil((hidden - 2) / rowHeight);
}
