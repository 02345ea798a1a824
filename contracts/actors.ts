/**
 * Every actor has a deterministic identity, `<kind>:<key>` in the specification,
 * written `<kind>_<key>` as a room id because Colyseus's uWS transport routes only
 * room ids of [A-Za-z0-9_-]. The matchmaker finds an actor by that id alone; the
 * join option named here carries the key.
 */
export const ACTOR_KEY_OPTION = {
  session: 'userId',
  chat: 'matchId',
  cell: 'cell',
  event: 'eventId',
} as const;

export type ActorKind = keyof typeof ACTOR_KEY_OPTION;

export const ACTOR_KINDS = Object.keys(ACTOR_KEY_OPTION) as readonly ActorKind[];

export function isActorKind(name: unknown): name is ActorKind {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ACTOR_KEY_OPTION, name);
}

export const ACTOR_ID_SEPARATOR = '_';

export function actorRoomId(kind: ActorKind, key: string): string {
  return `${kind}${ACTOR_ID_SEPARATOR}${key}`;
}

/**
 * Join options with the actor's key as its identity spells it: lower case. Keys
 * are hex (uuids, H3 indexes), which Postgres and H3 read in either case, so a
 * key in upper case would otherwise name a second actor of the same identity.
 */
export function withCanonicalActorKey(kind: string, options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!isActorKind(kind)) return { ...options };
  const name = ACTOR_KEY_OPTION[kind];
  const key = options[name];
  return typeof key === 'string' ? { ...options, [name]: key.toLowerCase() } : { ...options };
}

/** The actor room id that a matchmaking query asks for, if it names one. */
export function actorRoomIdFromConditions(conditions: Readonly<Record<string, unknown>>): string | undefined {
  const kind = conditions['name'];
  if (!isActorKind(kind)) return undefined;
  const key = conditions[ACTOR_KEY_OPTION[kind]];
  return typeof key === 'string' && key.length > 0 ? actorRoomId(kind, key) : undefined;
}
