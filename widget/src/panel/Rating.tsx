/**
 * The satisfaction (CSAT) prompt shown when the team resolves a conversation: 1 to 5
 * stars, then an optional comment. Rated once per resolution (the server enforces it).
 * A rating the server took goes to page analytics (`chinwag_rating_given`, the stars
 * only), from here rather than from the chat: this chunk loads only for a resolved
 * conversation, so its bytes are not on the open chat.
 */
import type { Locale } from '../host.js';
import { useEffect, useRef, useState } from './dom.js';
import type { Strings } from './i18n.js';
import css from './Rating.css';
import { host, sheet } from './lazy.js';

sheet(css);

/** The prompt's own text, in every language (it weighs nothing on opening the chat). */
const TEXT: Record<
  Locale,
  {
    rate: string;
    star(n: number): string;
    comment: string;
    sendRating: string;
    thanks: string;
    rated(n: number): string;
    isResolved: string;
    newConversation: string;
  }
> = {
  en: {
    rate: 'How was this conversation?',
    star: (n) => `${n} out of 5`,
    comment: 'Anything to add? (optional)',
    sendRating: 'Send rating',
    thanks: 'Thank you for your feedback!',
    rated: (n) => `You rated this conversation ${n} out of 5.`,
    isResolved: 'This conversation is resolved. Write to reopen it.',
    newConversation: 'New conversation',
  },
  fr: {
    rate: 'Comment s’est passée cette conversation ?',
    star: (n) => `${n} sur 5`,
    comment: 'Un commentaire ? (facultatif)',
    sendRating: 'Envoyer la note',
    thanks: 'Merci pour votre avis !',
    rated: (n) => `Vous avez noté cette conversation ${n} sur 5.`,
    isResolved: 'Cette conversation est résolue. Écrivez pour la rouvrir.',
    newConversation: 'Nouvelle conversation',
  },
  es: {
    rate: '¿Qué tal fue esta conversación?',
    star: (n) => `${n} de 5`,
    comment: '¿Algo que añadir? (opcional)',
    sendRating: 'Enviar valoración',
    thanks: '¡Gracias por tu opinión!',
    rated: (n) => `Valoraste esta conversación con ${n} de 5.`,
    isResolved: 'Esta conversación está resuelta. Escribe para reabrirla.',
    newConversation: 'Nueva conversación',
  },
};

interface ResolvedProps {
  t: Strings;
  locale: Locale;
  /** The conversation's id, for page analytics. */
  id: string;
  /** The rating given, if any. */
  rating: number | null | undefined;
  onRate(stars: number, comment?: string): Promise<unknown>;
  onNew(): void;
}

/** Under a resolved conversation: says so, asks for a rating (or shows it), offers a new one. */
export function Resolved({ t, locale, id, rating, onRate, onNew }: ResolvedProps) {
  const text = TEXT[locale];
  return (
    <div class="resolved">
      <p class="note">{text.isResolved}</p>
      {rating == null ? <Rating t={t} locale={locale} id={id} onRate={onRate} /> : <p class="note">{text.rated(rating)}</p>}
      <button type="button" class="link" onClick={onNew}>
        {text.newConversation}
      </button>
    </div>
  );
}

/** The satisfaction prompt: 1 to 5 stars, an optional comment. */
export function Rating({
  t: panel,
  locale,
  id,
  onRate,
}: {
  t: Strings;
  locale: Locale;
  id: string;
  onRate(stars: number, comment?: string): Promise<unknown>;
}) {
  const t = { ...panel, ...TEXT[locale] };
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState('');
  const [status, setStatus] = useState<'idle' | 'busy' | 'done' | 'failed'>('idle');
  const form = useRef<HTMLFormElement>(null);
  // The comment field appears with the first star: keep the whole prompt in view.
  // Once, when the first star appears (and the comment field with it).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => form.current?.scrollIntoView({ block: 'nearest' }), [stars > 0]);
  if (status === 'done') {
    return (
      <p class="note" role="status">
        {t.thanks}
      </p>
    );
  }
  return (
    <form
      ref={form}
      class="rating"
      onSubmit={(e) => {
        e.preventDefault();
        setStatus('busy');
        onRate(stars, comment.trim() || undefined).then(
          () => {
            setStatus('done');
            void host()
              .core()
              .then((core) => core.push('rating_given', { chinwag_conversation_id: id, chinwag_rating: stars }));
          },
          () => setStatus('failed'),
        );
      }}
    >
      <p id="cw-rate">{t.rate}</p>
      <div class="stars" role="group" aria-labelledby="cw-rate">
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            type="button"
            key={n}
            class={n <= stars ? 'on' : ''}
            aria-pressed={n === stars}
            aria-label={t.star(n)}
            onClick={() => setStars(n)}
          >
            ★
          </button>
        ))}
      </div>
      {stars > 0 && (
        <>
          <textarea
            rows={2}
            maxLength={1000}
            aria-label={t.comment}
            placeholder={t.comment}
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={status === 'busy'}>
            {t.sendRating}
          </button>
        </>
      )}
      {status === 'failed' && (
        <p class="error" role="alert">
          {t.error}
        </p>
      )}
    </form>
  );
}
