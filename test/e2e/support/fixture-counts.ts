/** What the committed fixture folders hold (see scripts/make-fixtures.ts); the UI must show exactly this. */
export const MIXED_COUNTS = { total: 25, image: 6, text: 12, audio: 7, skipped: 0 };
export const BAD_COUNTS = { total: 8, image: 2, text: 5, audio: 1, skipped: 12 };
