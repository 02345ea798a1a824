import { z } from 'zod';
import { ProgressAction } from '../domain/progress';

/**
 * `GET /me/progress`: the signed-in user's XP, level and today's quests (UTC
 * day). Described once here for the server, the client library and tests.
 */
export const QuestProgress = z.strictObject({
  id: z.string(),
  title: z.string(),
  action: z.enum(Object.values(ProgressAction) as [ProgressAction, ...ProgressAction[]]),
  target: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  xp: z.number().int().nonnegative(),
  completed: z.boolean(),
});

export const ProgressResponse = z.strictObject({
  xp: z.number().int().nonnegative(),
  level: z.number().int().positive(),
  /** XP where the current level starts, and where the next one does. */
  levelStartXp: z.number().int().nonnegative(),
  nextLevelXp: z.number().int().positive(),
  /** The UTC day the quests belong to (YYYY-MM-DD). */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  quests: z.array(QuestProgress).readonly(),
});
export type ProgressResponse = z.infer<typeof ProgressResponse>;
