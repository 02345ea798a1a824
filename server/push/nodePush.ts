import type { Presence } from '@colyseus/core';
import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import type { DatabaseHandle } from '../../db/database';
import type { NotificationListener } from '../../db/notificationListener';
import { PUSH_OUTBOX_CHANNEL } from '../../db/repositories/pushOutboxRepository';
import type { Database } from '../../db/types';
import type { PushPlatform } from '../../domain/push/notification';
import type { SignedIn } from '../http/signedIn';
import type { Config } from '../config';
import { mountPushRoutes } from '../http/pushRoutes';
import type { RouteOptions } from '../http/uwsHttp';
import type { Logger } from '../logger';
import type { NodeMetrics } from '../metrics';
import { CLUSTER_ENTRY_TTL_S, PresenceConnectedDevices, type NodeListening } from './connectedDevices';
import { PushMetrics } from './pushMetrics';
import { DEFAULT_PUSH_OUTBOX_OPTIONS, PushOutboxWorker } from './pushOutboxWorker';
import { closePushProviders, createPushProviders } from './pushProviders';

/** A node's part in pushes: the providers, who is connected, the outbox worker and the routes. */
export interface NodePush {
  readonly connectedDevices: PresenceConnectedDevices;
  /** Mounts the push routes and starts the outbox worker (it only polls the database until the node serves). */
  serve(app: TemplatedApp, deps: { readonly signedIn: SignedIn; readonly now: () => Date }, options: RouteOptions): void;
  stop(): Promise<void>;
}

export function createNodePush(input: {
  readonly config: Config;
  readonly db: Kysely<Database>;
  /** Notifications of rows added to the outbox wake the worker. */
  readonly listen: DatabaseHandle['listen'];
  readonly presence: Presence;
  readonly nodeId: () => string;
  /** A cluster's way to ask whether a node listens (unset on a single node: the in-process presence answers). */
  readonly nodeListening?: NodeListening;
  readonly metrics: NodeMetrics;
  readonly logger: Logger;
}): NodePush {
  const logger = input.logger.child({ component: 'push' });
  const providers = createPushProviders(input.config.push, { logger });
  // A cluster's entries are in Redis and outlive a killed node; a single node's die with it.
  const connectedDevices = new PresenceConnectedDevices(input.presence, input.nodeId, input.nodeListening ? { nodeListening: input.nodeListening, entryTtlS: CLUSTER_ENTRY_TTL_S } : {});
  const metrics = new PushMetrics(input.metrics.registry);
  const worker = new PushOutboxWorker(
    {
      db: input.db,
      providers,
      isConnected: (userId, deviceId) => connectedDevices.isConnected(userId, deviceId),
      metrics,
      logger,
    },
    { ...DEFAULT_PUSH_OUTBOX_OPTIONS, ...input.config.pushOutbox },
  );
  let listening: Promise<NotificationListener | undefined> | undefined;
  return {
    connectedDevices,
    serve(app, deps, options) {
      const platforms = new Set(Object.keys(providers) as PushPlatform[]);
      mountPushRoutes(app, { db: input.db, ...deps, platforms, vapidPublicKey: input.config.push.webPush?.publicKey, webPushEndpointHosts: input.config.push.webPush?.endpointHosts ?? [] }, options);
      worker.start();
      listening = input.listen(PUSH_OUTBOX_CHANNEL, {
        onNotify: () => worker.wake(),
        onHearing: (hearing, error) => {
          worker.setHearing(hearing);
          metrics.hearing.set(hearing ? 1 : 0);
          if (hearing) metrics.listens.inc();
          if (hearing) logger.info('push outbox notifications heard: the outbox is read when rows are added');
          else logger.warn({ err: error }, 'push outbox notifications lost: reading the outbox every 100 ms until they are heard again');
        },
      }).catch((error: unknown) => {
        // Without them the worker reads the outbox every 100 ms, as before it heard any.
        logger.warn({ err: error }, 'cannot listen for push outbox notifications: reading the outbox every 100 ms');
        return undefined;
      });
    },
    async stop() {
      await (await listening)?.close();
      await worker.stop();
      await closePushProviders(providers);
    },
  };
}
