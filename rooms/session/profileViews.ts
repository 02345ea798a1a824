import { appendUserEvents, type StoredUserEvent } from '../../db/repositories/eventRepository';
import { toCardView, type CardView } from '../../contracts/cards';
import { AppError, ErrorCode } from '../../domain/errors';
import { shouldNotifyProfileView, UserEventType } from '../../domain/userEvents';
import { findViewableCard } from '../../services/cardVisibility';
import { roomServices } from '../roomServices';

/** Profile views remembered for de-duplication, at most. */
const PROFILE_VIEW_MEMORY = 1000;

/** A user looking at cards: the card as they may see it, and its owner told (`profile.viewed`) now and then. */
export class ProfileViews {
  /** Made at the first view: many sessions never view a profile (one session per connected user). */
  private notified: Map<string, number> | undefined;

  constructor(
    private readonly userId: string,
    /** Hands the stored notice on to the owner's session. */
    private readonly dispatch: (events: readonly StoredUserEvent[]) => void,
  ) {}

  async view(cardId: string, viewerShadowBanned: boolean): Promise<CardView> {
    const services = roomServices();
    const card = await findViewableCard(services.db, this.userId, cardId);
    if (!card) throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    const nowMs = services.now().getTime();
    const notify = shouldNotifyProfileView({ viewerId: this.userId, ownerId: card.ownerId, lastNotifiedMs: this.notified?.get(card.id), nowMs });
    // Under overload the view is still answered; only the owner's notice is dropped. A shadow-banned viewer tells nobody.
    if (notify && !viewerShadowBanned && !services.shouldShed('profile.viewed')) {
      this.notified ??= new Map();
      if (this.notified.size >= PROFILE_VIEW_MEMORY) this.notified.clear();
      this.notified.set(card.id, nowMs);
      this.dispatch(
        await appendUserEvents(services.db, card.ownerId, [
          { userId: card.ownerId, type: UserEventType.PROFILE_VIEWED, data: { cardId: card.id, viewerId: this.userId } },
        ]),
      );
    }
    return toCardView(card);
  }
}
