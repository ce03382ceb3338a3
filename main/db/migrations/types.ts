export interface Migration {
  /** Equals the `PRAGMA user_version` the database has after this migration. */
  readonly version: number;
  /** `verb-object`, as in the file name `NNNN-verb-object.ts`. */
  readonly name: string;
  /** SQL run inside the migration transaction. */
  readonly up: string;
}
