import type { CallServices } from '../../services/calls';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { LiveKitRoomControl } from './liveKitRoomControl';
import { LiveKitTokens } from './liveKitTokens';

/** What a node's calls and live events run on: LiveKit's tokens, and its room service where a media server is configured. */
export function nodeCalls(config: Pick<Config, 'liveKit' | 'calls'>, logger: Logger): CallServices['calls'] {
  const { liveKit } = config;
  return {
    tokens: new LiveKitTokens(liveKit.apiKey, liveKit.apiSecret),
    liveKitUrl: liveKit.url,
    maxActive: config.calls.maxActive,
    roomControl: liveKit.mediaServer ? new LiveKitRoomControl(liveKit.url, liveKit.apiKey, liveKit.apiSecret, logger.child({ component: 'livekit' })) : undefined,
  };
}
