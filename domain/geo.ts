import { cellToParent, edgeLength, getResolution, gridDiskDistances, isValidCell, latLngToCell, originToDirectedEdges } from 'h3-js';

/** H3 resolution of discovery cells: 7 is about 5 km². */
export const DEFAULT_H3_RESOLUTION = 7;

/** Coarse cells are this many resolutions above the discovery cells (each holds 7³ = 343 of them). */
export const COARSE_RESOLUTION_STEP = 3;

/** Above this many discovery cells, a search reads the coarse cells instead. */
export const MAX_FINE_SEARCH_CELLS = 1_000;

/** Mean Earth radius (IUGG), for great-circle distances. */
export const EARTH_RADIUS_KM = 6371.0088;

/**
 * Edge lengths vary a little from cell to cell; the ring width is worked out
 * from the origin cell's edges widened by these margins, so it covers the
 * neighbours' variation too.
 */
const EDGE_SHRINK = 0.9;
const EDGE_GROW = 1.1;

export interface LatLng {
  readonly lat: number;
  readonly lng: number;
}

/** Where a point is at both levels of the discovery index. */
export interface CellPlacement {
  readonly cell: string;
  readonly coarseCell: string;
}

/** The H3 cell holding a point, at the configured resolution. */
export function cellForLocation(lat: number, lng: number, resolution: number): string {
  return latLngToCell(lat, lng, resolution);
}

export function coarseResolution(resolution: number): number {
  return Math.max(0, resolution - COARSE_RESOLUTION_STEP);
}

/** The discovery cell of a point and the coarse cell that contains it. */
export function placeLocation(lat: number, lng: number, resolution: number): CellPlacement {
  const cell = latLngToCell(lat, lng, resolution);
  return { cell, coarseCell: coarseCellOf(cell) };
}

export function coarseCellOf(cell: string): string {
  return cellToParent(cell, coarseResolution(getResolution(cell)));
}

export function isCell(value: string): boolean {
  return isValidCell(value);
}

/** Great-circle (haversine) distance in kilometres. */
export function greatCircleKm(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The grid distance k such that every point within `maxKm` of any point of
 * `cell` lies in a cell at most k steps away. In a hexagon grid of edge e,
 * centres k steps apart are at least 1.5·k·e apart, and a cell reaches e from
 * its centre; so a cell k+1 steps away starts at least 1.5·(k+1)·e − 2e from
 * the searcher, which exceeds maxKm once k ≥ (maxKm + 2e) / 1.5e.
 */
export function ringRadius(cell: string, maxKm: number): number {
  const edges = originToDirectedEdges(cell).map((edge) => edgeLength(edge, 'km'));
  const shortest = Math.min(...edges) * EDGE_SHRINK;
  const longest = Math.max(...edges) * EDGE_GROW;
  return Math.max(0, Math.ceil((maxKm + 2 * longest) / (1.5 * shortest)));
}

/** Cells in a disk of grid radius k: 3k(k+1) + 1. */
export function diskSize(k: number): number {
  return 3 * k * (k + 1) + 1;
}

/**
 * What a search for cards within `maxKm` of a point reads: the cells (by ring,
 * nearest first) of the discovery index, or of the coarse index when the
 * discovery disk would exceed MAX_FINE_SEARCH_CELLS. No cell holding a point
 * within `maxKm` is left out; points beyond it are the caller's to drop.
 */
export interface SearchArea {
  readonly level: 'fine' | 'coarse';
  readonly rings: readonly (readonly string[])[];
}

export function searchArea(origin: LatLng, maxKm: number, resolution: number): SearchArea {
  const cell = latLngToCell(origin.lat, origin.lng, resolution);
  const k = ringRadius(cell, maxKm);
  if (diskSize(k) <= MAX_FINE_SEARCH_CELLS) return { level: 'fine', rings: gridDiskDistances(cell, k) };
  const coarse = coarseCellOf(cell); // as cards are indexed: the parent of their discovery cell
  return { level: 'coarse', rings: gridDiskDistances(coarse, ringRadius(coarse, maxKm)) };
}

/** The point `km` along the great circle from `from` on the initial bearing `bearingDeg`. */
export function destinationPoint(from: LatLng, km: number, bearingDeg: number): LatLng {
  const rad = Math.PI / 180;
  const d = km / EARTH_RADIUS_KM;
  const lat1 = from.lat * rad;
  const b = bearingDeg * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
  const lng2 = from.lng * rad + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: lat2 / rad, lng: ((lng2 / rad + 540) % 360) - 180 };
}
