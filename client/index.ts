/**
 * @kismet/client: a typed client of Kismet for Node and browsers, built from
 * the server's own contracts (contracts/, domain/).
 */
export { KismetClient, type KismetClientOptions } from './kismetClient';
export { KismetAuth, memoryStore, webStorageStore, type StoredTokens, type TokenStore, type HttpMethod } from './auth';
export { KismetSession, type EventHandler } from './session';
export { KismetThread, type ThreadEvents } from './thread';
export { ActorConnection, type ConnectionStatus, type ConnectionListener } from './actorConnection';
export { EventStream } from './eventStream';
export { KismetError, toKismetError } from './errors';
export { REJOIN_CLOSE_CODES, shouldRejoin, rejoinDelayMs, rejoinPauseMs } from './rejoinPolicy';
export type { SessionPayloads, SessionResults, ChatPayloads, ChatResults } from './commands';
export type { ChatMessage, ThreadReadyMessage, TypingMessage, ReadMarker, SendResult } from '../contracts/chat';
export type { SessionReadyMessage, UserEventMessage, SwipeResult } from '../contracts/session';
export type { CardPage, CardView, CreateCardBody } from '../contracts/cards';
export type { DeckResult, DeckCard } from '../contracts/deck';
export type { TokenPair } from '../contracts/auth';
export { UserEventType } from '../domain/userEvents';
export type { ErrorCode } from '../domain/errors';
