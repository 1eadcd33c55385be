/**
 * The chats the router offers me (docs/routing.md, "Offers: accept or decline"): a card at
 * the top of the inbox for each, with the visitor, their first words, the time left, and
 * Accept (the chat becomes mine and opens) and Decline (the server offers it on). The
 * offers are read once from the waiting chats, then kept by the inbox's events (an offer
 * made, taken or ended is a `ConversationUpdated`); a card also leaves when its time is up,
 * without waiting for the event. A new offer chimes and notifies like a new chat.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { QueueConversationsDocument, type QueueConversation } from '../api';
import { useServices } from '../directory';
import { chime, desktopNotify } from '../notify';
import { navigate } from '../router';
import { useMe } from '../session';
import { Avatar, Button, errorMessage, toast } from '../ui';
import { visitorName } from './format';
import { useNow } from './useWaiting';

const offeredTo = (c: QueueConversation, meId: string) =>
  c.offeredTo?.id === meId && !!c.offerExpiresAt && c.status === 'OPEN' && !c.assignee;

/** The chats on offer to me now, oldest offer first. */
function useOffers(meId: string) {
  const { client, inbox } = useServices();
  const [offers, setOffers] = useState<ReadonlyMap<string, QueueConversation>>(new Map());
  // Outside React's state too, so that an event is compared with what came before it.
  const current = useRef(new Map<string, QueueConversation>());
  const show = useCallback((next: Map<string, QueueConversation>) => {
    current.current = next;
    setOffers(next);
  }, []);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const { conversations } = await client.request(QueueConversationsDocument, {
          filter: { status: ['OPEN'], assignee: 'UNASSIGNED' },
          first: 100,
        });
        if (live) show(new Map(conversations.nodes.filter((c) => offeredTo(c, meId)).map((c) => [c.id, c])));
      } catch {
        /* The queue shows the error; the next event or reconnect brings the offers. */
      }
    };
    void load();
    const off = inbox.listen((s) => {
      if (s.kind === 'resync') return void load();
      if (!('conversation' in s.event)) return;
      const c = s.event.conversation;
      const known = current.current.get(c.id);
      if (!offeredTo(c, meId)) {
        if (!known) return;
        const next = new Map(current.current);
        next.delete(c.id);
        return show(next);
      }
      if (!known || known.offerExpiresAt !== c.offerExpiresAt) {
        chime();
        desktopNotify(`Chat offered to you: ${visitorName(c.visitor)}`, c.lastMessagePreview ?? '', c.id, () =>
          navigate('inbox/unassigned'),
        );
      }
      show(new Map(current.current).set(c.id, c));
    });
    return () => {
      live = false;
      off();
    };
  }, [client, inbox, meId, show]);
  const drop = (id: string) => {
    const next = new Map(current.current);
    next.delete(id);
    show(next);
  };
  return { offers: [...offers.values()], drop };
}

/** "0:25": the time left, whole seconds rounded up (never below 0). */
function left(expiresAt: string, now: number) {
  const s = Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The offer cards, nothing while no chat is on offer to me. */
export function OfferCards() {
  const me = useMe();
  const { offers, drop } = useOffers(me.id);
  // The clock ticks only while there is something to count down.
  return offers.length ? <OfferList offers={offers} drop={drop} /> : null;
}

function OfferList({ offers, drop }: { offers: QueueConversation[]; drop(id: string): void }) {
  const now = useNow(1000);
  const open = offers.filter((c) => Date.parse(c.offerExpiresAt!) > now);
  if (!open.length) return null;
  return (
    <div className="offers">
      {open.map((c) => (
        <OfferCard key={c.id} conversation={c} now={now} onDone={() => drop(c.id)} />
      ))}
    </div>
  );
}

function OfferCard({ conversation: c, now, onDone }: { conversation: QueueConversation; now: number; onDone(): void }) {
  const { client } = useServices();
  const [busy, setBusy] = useState<'accept' | 'decline' | null>(null);
  const name = visitorName(c.visitor);
  // The offer may have ended meanwhile (taken by its time running out): the server says so.
  const act = async (kind: 'accept' | 'decline') => {
    setBusy(kind);
    try {
      if (kind === 'accept') {
        await client.acceptOffer(c.id);
        navigate(`inbox/mine/${c.id}`);
        toast(`${name} is yours`);
      } else {
        await client.declineOffer(c.id);
      }
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      onDone();
    }
  };
  return (
    <section className="offer-card" aria-label={`Chat offered to you: ${name}`}>
      <div className="offer-top">
        <Avatar name={name} id={c.visitor.id} online={c.visitor.isOnline} />
        <span className="offer-main">
          <strong className="offer-title">Chat offered to you</strong>
          <span className="offer-name">{name}</span>
        </span>
        <span className="offer-timer" role="timer" aria-label="Time left to accept">
          {left(c.offerExpiresAt!, now)}
        </span>
      </div>
      <p className="offer-preview">{c.lastMessagePreview ?? 'No messages yet'}</p>
      <div className="row-actions">
        <Button variant="primary" size="sm" busy={busy === 'accept'} disabled={!!busy} onClick={() => void act('accept')}>
          Accept
        </Button>
        <Button size="sm" busy={busy === 'decline'} disabled={!!busy} onClick={() => void act('decline')}>
          Decline
        </Button>
      </div>
    </section>
  );
}
