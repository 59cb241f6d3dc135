import type { ProjectionMethod, ProjectionSettings } from '../../../contract';
import type { Db } from '../db';
import { blobOf, float32Of, int32Of } from './blobs';

export interface ProjectionRecord {
  id: number;
  runId: number;
  method: ProjectionMethod;
  settings: Required<ProjectionSettings>;
  points: number;
  fittedOn: number | null;
  pcaComponents: number | null;
  seconds: number;
  createdAt: string;
}

/** A projection's points: item ids ascending, and (x, y) for each at the same index. */
export interface ProjectionPoints {
  itemIds: Int32Array;
  /** [points × 2] */
  coords: Float32Array;
}

export interface ProjectionInput extends ProjectionPoints {
  runId: number;
  method: ProjectionMethod;
  settings: Required<ProjectionSettings>;
  fittedOn: number | null;
  pcaComponents: number | null;
  seconds: number;
}

interface ProjectionDbRow {
  id: number;
  run_id: number;
  method: ProjectionMethod;
  settings: string;
  points: number;
  fitted_on: number | null;
  pca_components: number | null;
  seconds: number;
  created_at: string;
}

const toRecord = (r: ProjectionDbRow): ProjectionRecord => ({
  id: r.id,
  runId: r.run_id,
  method: r.method,
  settings: JSON.parse(r.settings) as Required<ProjectionSettings>,
  points: r.points,
  fittedOn: r.fitted_on,
  pcaComponents: r.pca_components,
  seconds: r.seconds,
  createdAt: r.created_at,
});

/** Every column but the two BLOBs, so listing projections never reads a million points. */
const SUMMARY = 'id, run_id, method, settings, points, fitted_on, pca_components, seconds, created_at';

/** All SQL about projections. */
export class ProjectionsRepository {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO projections (run_id, method, settings, points, item_ids, coords, fitted_on, pca_components, seconds, created_at)
         VALUES (@runId, @method, @settings, @points, @itemIds, @coords, @fittedOn, @pcaComponents, @seconds, @now)`,
      ),
      byId: db.prepare(`SELECT ${SUMMARY} FROM projections WHERE id = ?`),
      byRun: db.prepare(`SELECT ${SUMMARY} FROM projections WHERE run_id = ? ORDER BY id DESC`),
      latest: db.prepare(`SELECT ${SUMMARY} FROM projections WHERE run_id = ? ORDER BY id DESC LIMIT 1`),
      count: db.prepare(`SELECT COUNT(*) AS n FROM projections WHERE run_id = ?`),
      points: db.prepare(`SELECT item_ids, coords FROM projections WHERE id = ?`),
      remove: db.prepare(`DELETE FROM projections WHERE id = ?`),
    };
  }

  insert(input: ProjectionInput): ProjectionRecord {
    if (input.coords.length !== input.itemIds.length * 2) {
      throw new Error(`a projection needs 2 coordinates per item: ${input.itemIds.length} items, ${input.coords.length} coordinates`);
    }
    const info = this.stmts.insert.run({
      runId: input.runId,
      method: input.method,
      settings: JSON.stringify(input.settings),
      points: input.itemIds.length,
      itemIds: blobOf(input.itemIds),
      coords: blobOf(input.coords),
      fittedOn: input.fittedOn,
      pcaComponents: input.pcaComponents,
      seconds: input.seconds,
      now: new Date().toISOString(),
    });
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): ProjectionRecord | undefined {
    const r = this.stmts.byId.get(id) as ProjectionDbRow | undefined;
    return r && toRecord(r);
  }

  /** A run's projections, newest first. */
  list(runId: number): ProjectionRecord[] {
    return (this.stmts.byRun.all(runId) as ProjectionDbRow[]).map(toRecord);
  }

  /** How many projections a run has. */
  count(runId: number): number {
    return (this.stmts.count.get(runId) as { n: number }).n;
  }

  latest(runId: number): ProjectionRecord | undefined {
    const r = this.stmts.latest.get(runId) as ProjectionDbRow | undefined;
    return r && toRecord(r);
  }

  points(id: number): ProjectionPoints | undefined {
    const r = this.stmts.points.get(id) as { item_ids: Buffer; coords: Buffer } | undefined;
    return r && { itemIds: int32Of(r.item_ids), coords: float32Of(r.coords) };
  }

  remove(id: number): boolean {
    return this.stmts.remove.run(id).changes > 0;
  }
}
