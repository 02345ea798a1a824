import { LocalPresence, Server, matchMaker, type Presence } from '@colyseus/core';
import { classifyDatabaseError, isDatabaseUnreachable } from '../db/faults';
import { unavailable } from '../domain/errors';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { DECK_CACHE_TTL_MS } from '../rooms/session/deckCache';
import { SESSION_ACTIONS } from '../rooms/session/sessionCommands';
import { WithdrawnCards } from '../services/withdrawnCards';
import { EditedCards } from '../services/editedCards';
import { hearEventNews } from '../services/eventNews';
import { AttendanceLedger } from '../db/attendanceLedger';
import { SessionLedger } from '../db/sessionLedger';
import { ThreadReads } from '../db/threadReads';
import { BatchedSwipeStore } from '../db/batchedSwipeStore';
import { defineActors } from './actorDefinitions';
import { shouldShed } from '../domain/loadShedding';
import { ActorRoom } from '../rooms/actorRoom';
import { setRoomServices } from '../rooms/roomServices';
import { EventAliasKeys } from '../services/eventAliases';
import { REMEMBERED_KEYS } from '../rooms/chat/threadWriter';
import { BatchedChatStore } from '../db/batchedChatStore';
import type { RateLimiter } from '../services/rateLimiter';
import { WITHDRAWALS_TOPIC, type BlockNews, type ThreadSignal, type UserBusMessage, type DiscoveryNews } from '../services/topicBus';
import { AccessTokenService } from './auth/accessTokens';
import { AuthService } from './auth/authService';
import { preparePasswordJudge } from './auth/passwordStrength';
import { TokenRevocations } from './auth/tokenRevocations';
import type { Revocation } from '../domain/revocationList';
import { ActorLocalDriver } from './cluster/actorDrivers';
import { connectRedisCluster } from './cluster/redisCluster';
import { classifyRedisError } from './cluster/redisFaults';
import { DependencyHealth } from './dependencyHealth';
import type { Config } from './config';
import { PresenceTopicBus } from './cluster/presenceTopicBus';
import { nodeCalls } from './livekit/nodeCalls';
import { refuseSharedReferences } from './messageDecoding';
import { mountAccountRoutes } from './http/accountRoutes';
import { mountAdminRoutes } from './http/adminRoutes';
import { mountAuthRoutes } from './http/authRoutes';
import { mountCardRoutes } from './http/cardRoutes';
import { mountHealthRoutes } from './http/healthRoutes';
import { mountOpenApiRoute } from './http/openApi';
import { KismetTransport } from './http/kismetTransport';
import { nodeRouteOptions } from './http/uwsHttp';
import { mountNodeActorsRoute } from './http/nodeActorsRoute';
import { mountMatchRoutes } from './http/matchRoutes';
import { signedInCaller } from './http/signedIn';
import { mountColleagueRoutes } from './http/colleagueRoutes';
import { mountCompanyRoutes } from './http/companyRoutes';
import { mountLiveEventRoutes } from './http/liveEventRoutes';
import { mountWebAppRoute, webAppPolicy } from './http/webAppRoute';
import { mountProgressRoutes } from './http/progressRoutes';
import { startBackgroundJobs } from './backgroundJobs';
import { mountLiveKitWebhookRoute } from './http/liveKitWebhookRoute';
import { routerEndpoints } from './http/routerEndpoints';
import { refuseCreationWhile } from './cluster/placementPolicy';
import { reportRoomCounts } from './cluster/roomCountReports';
import { sweepStaleNodes } from './cluster/staleNodeSweeps';
import { MATCHMAKING_METHODS, mountMatchmakeRoute } from './http/matchmakeRoute';
import { JoinGate } from './http/joinGate';
import { nodeRateLimiter } from './cluster/rateLimiters';
import { EventLoopLag } from './eventLoopLag';
import { colyseusLogger } from './colyseusLogger';
import type { Logger } from './logger';
import { NodeMetrics } from './metrics';
import { createNodeDomainEvents } from './events/nodeDomainEvents';
import { createNodePush } from './push/nodePush';
import { PORT_UNAVAILABLE } from './startupFailures';
import { migrateNodeDatabase } from './nodeMigration';

export interface KismetNode {
  readonly port: number;
  readonly metrics: NodeMetrics;
  readonly nodeId: () => string;
  /** Stops taking actors, lets actors persist and disconnect their clients, then closes connections. */
  shutdown(): Promise<void>;
}
const ROOM_COUNT_REPORT_MS = 200; // how soon a change of this node's room count reaches the others' placement decisions

/** Boots one Kismet node: database (migrated), presence and driver, rooms, routes, listening socket. */
export async function startNode(config: Config, logger: Logger): Promise<KismetNode> {
  // First, while nothing is in flight: the password estimator's dictionaries hold the main thread most of a second, which no request or connect timer may wait out.
  await preparePasswordJudge();
  const metrics = new NodeMetrics({ port: String(config.http.port) });
  let health: DependencyHealth | undefined; // set once the dependencies it probes exist
  const databaseLog = logger.child({ component: 'database' });
  const database: DatabaseHandle = await openDatabase(config.database, {
    connectTimeoutMs: config.dependencyTimeoutMs,
    domainEvents: config.domainEvents !== undefined, // only a publishing node writes domain outbox rows
    // A connection that drops (Postgres restarting: 57P01) is reported here; the pool opens
    // new ones on demand, and queries meanwhile answer UNAVAILABLE.
    onConnectionError: (error) => {
      metrics.dependencyErrors.inc({ dependency: 'postgres' });
      if (isDatabaseUnreachable(error)) health?.noteFailure('database');
      databaseLog.warn({ err: error }, 'a Postgres connection failed');
    },
    soleNode: config.redis === undefined, // delivering through its own process only, it must serve its database alone
    // Another process took the embedded folder (this one stalled past the lock's staleness), or the database while this one's lock connection was down.
    onHoldLost: (error) => {
      logger.fatal({ err: error }, 'another process took this node\'s database; stopping');
      process.exit(1);
    },
  });
  await migrateNodeDatabase(database, logger);
  // From here on no query waits longer than the bound (migrations had none: an index build may take long).
  database.limitQueries(config.dependencyTimeoutMs);

  const cluster = config.redis ? connectRedisCluster(config, logger, metrics) : undefined;
  const presence: Presence = cluster?.presence ?? new LocalPresence();
  const driver = cluster?.driver ?? new ActorLocalDriver();
  const rateLimits: RateLimiter = nodeRateLimiter(config.rateLimits, cluster?.rateLimits, SESSION_ACTIONS);
  try {
    await cluster?.waitForRedis();
  } catch (error) {
    await cluster?.stop();
    await database.close();
    throw error;
  }
  const now = () => new Date();
  const revocationBus = new PresenceTopicBus<Revocation>(presence, 'kismet:revocations:', logger);
  const revocations = new TokenRevocations(database.db, revocationBus, config.auth.accessTokenTtlS, now, logger, (revocation) => ActorRoom.revoked(revocation));
  await revocations.start();
  cluster?.onRejoined(() => revocations.reload());
  const accessTokens = new AccessTokenService(config.auth.jwtSecret, config.auth.accessTokenTtlS, revocations);
  const auth = new AuthService(database.db, accessTokens, config.auth, revocations, rateLimits);
  const userEvents = new PresenceTopicBus<UserBusMessage>(presence, 'kismet:user:', logger);
  const threadSignals = new PresenceTopicBus<ThreadSignal>(presence, 'kismet:thread:', logger);
  const withdrawals = new PresenceTopicBus<DiscoveryNews>(presence, 'kismet:discovery:', logger);
  const blocks = new PresenceTopicBus<BlockNews>(presence, 'kismet:blocks:', logger);
  const { keepers: eventNews, stop: stopEventNews } = await hearEventNews(blocks, now);
  const withdrawn = new WithdrawnCards(DECK_CACHE_TTL_MS);
  const edited = new EditedCards(DECK_CACHE_TTL_MS);
  const calls = nodeCalls(config, logger);
  const unsubscribeWithdrawals = await withdrawals.subscribe(WITHDRAWALS_TOPIC, (w) => (w.kind === 'edited' ? edited.add(w.card, now().getTime()) : withdrawn.add(w, now().getTime())));
  const lag = new EventLoopLag((ms) => metrics.eventLoopLag.set(ms / 1000));
  const chatStore = new BatchedChatStore(database.db, (threads) => metrics.messageFlushThreads.observe(threads));
  const push = createNodePush({ config, db: database.db, listen: (channel, handlers) => database.listen(channel, handlers), presence, nodeId: () => matchMaker.processId, nodeListening: cluster?.nodeListening, metrics, logger });
  const domainEvents = createNodeDomainEvents({ config, db: database.db, metrics, logger });
  const eventAliases = new EventAliasKeys(config.auth.jwtSecret); // keyed by the signing secret, the same on every node
  setRoomServices({
    db: database.db,
    accessTokens,
    metrics,
    logger,
    userEvents,
    threadSignals,
    chatStore,
    matching: config.matching,
    mediaHosts: config.mediaHosts,
    nodeId: () => matchMaker.processId,
    now,
    shouldShed: (traffic) => {
      if (!shouldShed(traffic, lag.ms, config.lagLimitMs)) return false;
      metrics.shed.inc({ traffic });
      return true;
    },
    rateLimits,
    withdrawn,
    edited,
    ...eventNews,
    calls,
    attendance: new AttendanceLedger(database.db),
    sessions: new SessionLedger(database.db),
    threads: new ThreadReads(database.db, REMEMBERED_KEYS),
    swipes: new BatchedSwipeStore(database.db),
    connectionMessages: config.connectionMessages,
    commandTimeoutMs: config.dependencyTimeoutMs,
    actorLingerMs: config.actorLingerMs,
    connectedDevices: push.connectedDevices,
    eventAliases,
  });

  const transport = new KismetTransport(
    { maxPayloadLength: config.http.maxMessageBytes, idleTimeout: 60 },
    { monitorOrigins: config.http.monitorOrigins, corsOrigins: config.http.corsOrigins, onError: (error) => logger.error({ err: error }, 'monitor route failed') },
  );
  // Matchmaking offers what Kismet's own route offers, whatever path reaches Colyseus's controller:
  // joinById, create and join would let a caller pick an actor by id, past the identity in its options.
  matchMaker.controller.exposedMethods = [...MATCHMAKING_METHODS];
  await refuseSharedReferences();
  const server = new Server({
    transport,
    presence,
    driver,
    publicAddress: config.http.publicAddress,
    gracefullyShutdown: false, // the entry point owns signals
    greet: false,
    selectProcessIdToCreateRoom: refuseCreationWhile(() => cluster?.lease.creationRefusal(), config.actorPlacement),
    logger: colyseusLogger(logger, () => metrics.undecodableFrames.inc()),
  });
  server.router = routerEndpoints(config.auth.adminApiKey);
  defineActors(server);

  const routeOptions = nodeRouteOptions(config.http, config.dependencyTimeoutMs, logger, metrics.httpAnswered);
  let draining = false;
  // Every signed-in HTTP call spends one of its person's `request` bucket.
  const signedIn = signedInCaller(accessTokens, rateLimits);
  mountAuthRoutes(transport.app, auth, rateLimits, routeOptions);
  mountCardRoutes(transport.app, { db: database.db, signedIn, h3Resolution: config.matching.h3Resolution, mediaHosts: config.mediaHosts, userEvents, withdrawals, placementLimits: cluster?.rateLimits ?? rateLimits, now }, routeOptions);
  // Moderation decisions reach every node's actors through the same announcements, whichever route made them.
  const moderation = { db: database.db, userEvents, threadSignals, withdrawals, blocks, metrics, now, mediaRooms: calls.roomControl, revocations };
  mountMatchRoutes(transport.app, { ...moderation, signedIn, rateLimits, eventAliases }, routeOptions);
  mountColleagueRoutes(transport.app, { ...moderation, signedIn }, routeOptions);
  mountCompanyRoutes(transport.app, { db: database.db, signedIn, adminApiKey: config.auth.adminApiKey, now, userEvents, threadSignals, withdrawals }, routeOptions);
  mountAdminRoutes(transport.app, { ...moderation, adminApiKey: config.auth.adminApiKey }, routeOptions);
  mountAccountRoutes(transport.app, { ...moderation, signedIn, auth, rateLimits }, routeOptions);
  const liveKitKeys = { apiKey: config.liveKit.apiKey, apiSecret: config.liveKit.apiSecret };
  mountLiveKitWebhookRoute(transport.app, { db: database.db, metrics, userEvents, now, calls, ...liveKitKeys }, routeOptions);
  mountLiveEventRoutes(transport.app, { db: database.db, signedIn, now, eventAliases }, routeOptions);
  push.serve(transport.app, { signedIn, now }, routeOptions);
  domainEvents?.start();
  mountProgressRoutes(transport.app, { db: database.db, signedIn, now }, routeOptions);
  mountNodeActorsRoute(
    transport.app,
    {
      adminApiKey: config.auth.adminApiKey,
      nodeId: () => matchMaker.processId,
      fenced: () => cluster?.lease.fenced ?? false,
      actors: () => ActorRoom.live().filter((actor) => actor.serving).map((actor) => ({ roomId: actor.roomId, since: actor.liveSince })),
    },
    routeOptions,
  );
  mountMatchmakeRoute(transport.app, {
    ...routeOptions,
    timeoutMs: config.dependencyTimeoutMs,
    silentNodes: cluster?.silentNodes,
    remoteSeats: cluster?.remoteSeats,
    gate: new JoinGate({ maxInFlight: config.joinConcurrency, maxWaitMs: config.joinWaitMs, retryAfterMs: config.dependencyTimeoutMs / 2 }, () => metrics.shed.inc({ traffic: 'join' })),
    refusal: () => (cluster?.lease.fenced ? unavailable('this node (cut off from the cluster)') : undefined),
    classify: (error) => classifyRedisError(classifyDatabaseError(error)),
  });
  health = new DependencyHealth(
    [
      { check: 'database', dependency: 'postgres', probe: () => database.ping() },
      { check: 'presence', ...(cluster ? { dependency: 'redis' } : {}), probe: () => cluster?.connected() ?? true },
      ...(cluster ? [{ check: 'cluster', probe: () => cluster.lease.inCluster }] : []),
    ],
    metrics,
    logger.child({ component: 'health' }),
  );
  cluster?.onTrouble((what) => health?.noteFailure(what === 'keys' ? 'cluster' : 'presence')); // a second at least, however short
  mountHealthRoutes(transport.app, metrics, health, { ...routeOptions, isDraining: () => draining });
  mountWebAppRoute(transport.app, { ...routeOptions, policy: webAppPolicy(config.http) });
  mountOpenApiRoute(transport.app, routeOptions); // last: it checks every route above is documented

  // Before the node is listed (the process id is set with the server): a node that places an actor here finds it listening.
  await cluster?.remoteSeats.start();
  await cluster?.forgetSilentNodes();
  await server.listen(config.http.port, config.http.host);
  // uWS reports a failed bind (port taken, also by another node: it listens exclusively) only
  // as a false listen socket: without this check a node would report ready while serving nothing.
  if (!transport.listening) {
    lag.stop();
    await push.stop().then(() => domainEvents?.stop()).then(() => database.close());
    await cluster?.stop();
    throw new Error(`${PORT_UNAVAILABLE}: could not listen on ${config.http.host}:${config.http.port}`);
  }
  await cluster?.holdLease();
  await health.start();
  const probing = health;
  // While Redis is away every sweep fails, and the connections' own log says why.
  const stopSweeps = cluster ? sweepStaleNodes(config.staleNodeTimeoutMs, (error) => logger[cluster.connected() ? 'warn' : 'debug']({ err: error }, 'stale node sweep failed')) : undefined;
  const stopRoomCountReports = config.redis ? reportRoomCounts(ROOM_COUNT_REPORT_MS, (error) => logger.warn({ err: error }, 'room count report failed')) : undefined;
  const stopBackgroundJobs = startBackgroundJobs({ db: database.db, userEvents, moderation, retention: config.retention, now, logger, metrics });
  const listening = { port: config.http.port, publicAddress: config.http.publicAddress, database: database.kind, presence: config.redis ? 'redis' : 'local', nodeId: matchMaker.processId };
  logger.info(listening, 'kismet node listening');

  let shuttingDown: Promise<void> | undefined;
  return {
    port: config.http.port,
    metrics,
    nodeId: () => matchMaker.processId,
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true;
        lag.stop();
        probing.stop();
        stopSweeps?.();
        stopRoomCountReports?.();
        stopBackgroundJobs();
        await server.gracefullyShutdown(false).catch((error: unknown) => logger.warn({ err: error }, 'shutdown'));
        await push.stop();
        await domainEvents?.stop();
        unsubscribeWithdrawals();
        stopEventNews();
        revocations.stop();
        setRoomServices(undefined);
        await database.close();
        await cluster?.stop();
      })();
      return shuttingDown;
    },
  };
}
