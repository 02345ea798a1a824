import { isValidCell, latLngToCell } from 'h3-js';

/** H3 resolution of discovery cells: 7 is about 5 km². */
export const DEFAULT_H3_RESOLUTION = 7;

/** The H3 cell holding a point, at the configured resolution. */
export function cellForLocation(lat: number, lng: number, resolution: number): string {
  return latLngToCell(lat, lng, resolution);
}

export function isCell(value: string): boolean {
  return isValidCell(value);
}
