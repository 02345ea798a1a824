import { findShownLocation, updateUserLocation, type StoredLocation } from '../../db/repositories/userRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { cellForLocation } from '../../domain/geo';
import { LOBBY_RENEW_MS } from '../../domain/lobbyLeases';
import { decideMove, keptDiscoveryPoint } from '../../domain/locationPrivacy';
import type { LatLng } from '../../domain/geo';
import type { LobbyChangedData } from '../../domain/userEvents';
import { callLobby } from '../lobby/lobbyClient';
import { roomServices } from '../roomServices';
import { SerialQueue } from './serialQueue';

/** Where the user last said they are, and when (ms): their own searches start here. */
export interface UserLocation {
  readonly lat: number;
  readonly lng: number;
  readonly h3Cell: string;
  readonly atMs: number;
}

/** What decides the lobby a user belongs in now: online or not, and their standing. */
export interface PlacementState {
  readonly online: boolean;
  readonly hidden: boolean;
}

/**
 * A user's location and their place in the discovery lobby of its cell: in
 * it while a device is online, in none otherwise, one move at a time so they
 * are never in two, renewed regularly so a lobby on a lost node lets them lapse.
 */
export class LocationDesk {
  location: UserLocation | undefined;
  /** Where the user's card shows them, once read or written here (see keptDiscoveryPoint). */
  private shown: LatLng | undefined;
  /** The lobby the user is placed in; undefined while no device is online. */
  private lobbyCell: string | undefined;
  private readonly moves = new SerialQueue();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly userId: string,
    private readonly hooks: {
      /** Where the user belongs now. */
      readonly state: () => PlacementState;
      /** The location changed (stored): what was built for the old one is stale. */
      readonly onMoved: () => void;
      /** The user was placed in another lobby. */
      readonly onLobbyChanged: (data: LobbyChangedData) => void;
    },
  ) {}

  /** Starts from where the user was, as the session read it at its start. */
  begin(location: StoredLocation | undefined): void {
    this.location = location;
    this.renewTimer = setInterval(() => this.renew(), LOBBY_RENEW_MS);
  }

  /** Moves the user, if the move is one a person could make; answered once they are in the new cell's lobby. */
  async update(lat: number, lng: number): Promise<{ h3Cell: string }> {
    const services = roomServices();
    const at = services.now();
    const move = decideMove(this.location, { lat, lng }, at.getTime());
    if (move.kind === 'implausible') {
      throw new AppError(ErrorCode.LOCATION_IMPLAUSIBLE, 'nobody travels that fast; the location stays where it was', { retryAfterMs: move.retryAfterMs });
    }
    const resolution = services.matching.h3Resolution;
    const h3Cell = cellForLocation(lat, lng, resolution);
    // Others see the person card at the centre of its privacy cell, never here; a cell kept across small moves.
    const shown = keptDiscoveryPoint(this.shown ?? (await findShownLocation(services.db, this.userId)), { lat, lng });
    await updateUserLocation(services.db, this.userId, {
      exact: { lat, lng, h3Cell },
      shown: { ...shown, h3Cell: cellForLocation(shown.lat, shown.lng, resolution) },
      at,
    });
    this.location = { lat, lng, h3Cell, atMs: at.getTime() };
    this.shown = shown;
    this.hooks.onMoved();
    // If the lobby does not answer, renewal places the user later.
    await this.place().catch((error: unknown) => services.logger.warn({ err: error, cell: h3Cell }, 'lobby placement failed; renewal retries'));
    return { h3Cell };
  }

  /** Puts the user where they belong now (see PlacementState). */
  place(): Promise<void> {
    return this.moves.run(async () => {
      const { online, hidden } = this.hooks.state();
      const target = online ? this.location?.h3Cell : undefined;
      const previous = this.lobbyCell;
      if (target === previous) return;
      if (previous) {
        this.lobbyCell = undefined;
        await callLobby(previous, 'leave', [this.userId]).catch((error: unknown) =>
          roomServices().logger.warn({ err: error, cell: previous }, 'lobby leave failed; the place lapses'),
        );
      }
      if (!target) return;
      await callLobby(target, 'enter', [this.userId, hidden]);
      this.lobbyCell = target;
      this.hooks.onLobbyChanged({ cell: target, previousCell: previous ?? null });
    });
  }

  /** Renews the place (its lease), or retries one that failed before (a lobby on a dead node). */
  renew(): void {
    const cell = this.lobbyCell;
    (cell ? this.moves.run(() => callLobby(cell, 'enter', [this.userId, this.hooks.state().hidden])) : this.place()).catch((error: unknown) =>
      roomServices().logger.warn({ err: error, cell }, 'lobby renewal failed; retried next period'),
    );
  }

  /** The session is going: its place goes with it (or lapses, if the lobby does not answer). */
  close(): void {
    clearInterval(this.renewTimer);
    const cell = this.lobbyCell;
    if (cell) callLobby(cell, 'leave', [this.userId]).catch((error: unknown) => roomServices().logger.warn({ err: error, cell }, 'lobby leave failed; the place lapses'));
  }
}
