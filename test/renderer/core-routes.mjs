/**
 * The core's parser of data and export URLs, for the renderer's route tests (plain JavaScript for
 * the same reason as core-catalogue.mjs: the renderer's tsconfig has no types for the core's Node
 * modules).
 */
import { parseDataRoute } from '../../src-main/core/data-routes.ts';

/** @param {string} url a same-origin URL the renderer built */
export function coreRouteOf(url) {
  const u = new URL(url, 'http://localhost');
  return parseDataRoute(u.pathname, u.searchParams);
}
