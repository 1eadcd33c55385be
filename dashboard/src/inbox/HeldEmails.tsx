/**
 * The email replies the server held for an agent in one conversation (docs/email.md: sent
 * from another address than the visitor's, or failing DMARC), as a banner above the
 * thread: who it claims to be from, why it was held, its subject and text (plain text,
 * its line breaks kept: React escapes it, it is never read as HTML), and "Post as the
 * visitor's message" or "Discard". Held emails come with no event of their own; the
 * private SYSTEM note the server adds with each is the cue to look again.
 */
import { useState } from 'react';
import {
  DiscardHeldEmailDocument,
  HeldEmailsDocument,
  ReleaseHeldEmailDocument,
  type HeldEmail,
  type HeldEmailReason,
} from '../api';
import { useServices } from '../directory';
import { Button, Icon, errorMessage, toast, useLoad } from '../ui';
import { fullDate } from './format';

/** Why it was held, in words; an unknown reason reads as its name. */
const REASONS: Record<HeldEmailReason, string> = {
  SENDER_MISMATCH: 'not from the visitor’s address',
  DMARC_FAIL: 'failed the sender’s DMARC check',
};

/**
 * `lastSystemMessage`: the id of the conversation's newest SYSTEM message; a new one (the
 * server's note that it held an email) loads the list again.
 */
export function HeldEmails({ conversationId, lastSystemMessage }: { conversationId: string; lastSystemMessage: string | null }) {
  const { client } = useServices();
  const held = useLoad(
    async () => ({ conversationId, emails: (await client.request(HeldEmailsDocument, { conversationId })).heldEmails }),
    [client, conversationId, lastSystemMessage],
  );
  // A failed look is not worth a banner of its own: the note in the thread says an email waits.
  const emails = held.data?.conversationId === conversationId ? held.data.emails : [];
  if (!emails.length) return null;
  const remove = (id: string) => held.update((d) => ({ conversationId, emails: (d?.emails ?? []).filter((e) => e.id !== id) }));
  return (
    <section className="held-emails" aria-label="Held email replies">
      {emails.map((e) => (
        <HeldEmailItem key={e.id} email={e} onDone={() => remove(e.id)} />
      ))}
    </section>
  );
}

function HeldEmailItem({ email: e, onDone }: { email: HeldEmail; onDone(): void }) {
  const { client } = useServices();
  const [busy, setBusy] = useState<'release' | 'discard' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (what: 'release' | 'discard') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'release') await client.request(ReleaseHeldEmailDocument, { id: e.id });
      else await client.request(DiscardHeldEmailDocument, { id: e.id });
      toast(what === 'release' ? 'Posted as the visitor’s message' : 'Email discarded');
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <article className="held-email" aria-label={`Held email from ${e.fromAddress}`}>
      <p className="held-why">
        <Icon name="info" size={16} />
        <span>
          An email reply from <strong>{e.fromAddress}</strong> was held: {REASONS[e.reason] ?? e.reason}.{' '}
          <time className="muted" dateTime={e.receivedAt}>
            {fullDate(e.receivedAt)}
          </time>
        </span>
      </p>
      <p className="held-subject">
        <span className="muted">Subject:</span> {e.subject || '(no subject)'}
      </p>
      <div className="held-body" tabIndex={0} aria-label="Its text">
        {e.body}
      </div>
      <div className="row-actions">
        <Button size="sm" variant="primary" busy={busy === 'release'} disabled={!!busy} onClick={() => void act('release')}>
          Post as the visitor’s message
        </Button>
        <Button size="sm" busy={busy === 'discard'} disabled={!!busy} onClick={() => void act('discard')}>
          Discard
        </Button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
