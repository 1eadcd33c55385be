/**
 * The satisfaction (CSAT) prompt shown when the team resolves a conversation: 1 to 5
 * stars, then an optional comment. Rated once per resolution (the server enforces it).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Strings } from './i18n.js';
import css from './Rating.css';
import { sheet } from './lazy.js';

sheet(css);

/** The satisfaction prompt: 1 to 5 stars, an optional comment. */
export function Rating({ t, onRate }: { t: Strings; onRate(stars: number, comment?: string): Promise<unknown> }) {
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState('');
  const [status, setStatus] = useState<'idle' | 'busy' | 'done' | 'failed'>('idle');
  const form = useRef<HTMLFormElement>(null);
  // The comment field appears with the first star: keep the whole prompt in view.
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
          () => setStatus('done'),
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
