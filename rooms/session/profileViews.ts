import { appendUserEvents, type StoredUserEvent } from '../../db/repositories/eventRepository';
import { toCardView, type CardView } from '../../contracts/cards';
import { AppError, ErrorCode } from '../../domain/errors';
import { shouldNotifyProfileView, UserEventType } from '../../domain/userEvents';
import { findViewableCard } from '../../services/cardVisibility';
import { roomServices } from '../roomServices';

/**
 * A user looking at cards: the card as they may see it, and its owner told (`profile.viewed`)
 * at most once in PROFILE_VIEW_NOTIFY_INTERVAL_MS per viewer and card. That window is a bucket
 * of the cluster's (`profile.notice`), not the session's memory, which goes with the session
 * actor: a viewer leaving and coming back every few seconds would otherwise notify each time.
 */
export class ProfileViews {
  constructor(
    private readonly userId: string,
    /** Hands the stored notice on to the owner's session. */
    private readonly dispatch: (events: readonly StoredUserEvent[]) => void,
  ) {}

  /** The card as the viewer may see it, looking as `as` (a card of theirs) or as their account does (`cardViewerOf`). */
  async view(cardId: string, as: string | undefined, viewerShadowBanned: boolean): Promise<CardView> {
    const services = roomServices();
    const found = await findViewableCard(services.db, this.userId, cardId, as);
    if (!found) throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    const { card, viewer } = found;
    // Under overload the view is still answered; only the owner's notice is dropped. A shadow-banned viewer tells nobody.
    const mayNotify = shouldNotifyProfileView({ viewerId: this.userId, ownerId: card.ownerId }) && !viewerShadowBanned && !services.shouldShed('profile.viewed');
    if (mayNotify && (await services.rateLimits.take('profile.notice', `${this.userId} ${card.id}`)).allowed) {
      this.dispatch(
        await appendUserEvents(services.db, card.ownerId, [
          { userId: card.ownerId, type: UserEventType.PROFILE_VIEWED, data: { cardId: card.id, viewerId: this.userId } },
        ]),
      );
    }
    return toCardView(card, viewer);
  }
}
