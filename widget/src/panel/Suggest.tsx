/**
 * Suggested articles: while the visitor writes the first message of a conversation, on a
 * website with published help-center articles (`hasArticles`), up to three of them that
 * answer what is written so far, above the field, each opening its help-center page in
 * a new tab. An on-demand piece, with its text in every language: the composer loads it
 * only on such a website, once the visitor starts typing, and drops it once the
 * message is sent or the field is emptied.
 *
 * Searching (`articleSearch`, no token) is gentle on the server's limits (500
 * characters a query, 120 searches a minute per address): only from 3 characters, once
 * the visitor pauses (350 ms), never twice in a row for the same words, the stale
 * request aborted when the text changes. Any failure (the limit, the network) shows
 * nothing: suggestions are a help, never an error.
 */
import type { Locale } from '../host.js';
import { useEffect, useRef, useState } from './dom.js';
import { host, sheet } from './lazy.js';
import css from './Suggest.css';

sheet(css);

/**
 * `ArticleSearchDocument` of `@chinwag/sdk`, written out with only the fields shown:
 * importing it would make the SDK's documents a chunk shared with the core.
 */
const SEARCH =
  'query($k:String!$q:String!$l:String){articleSearch(websiteKey:$k query:$q language:$l first:3){id title excerpt url}}';

/** The pause in typing before a search, in ms. */
const PAUSE = 350;
/** The shortest text searched for, and the longest the server takes (characters). */
const SHORTEST = 3;
const LONGEST = 500;

const en = {
  heading: 'Suggested articles',
  hide: 'Hide suggested articles',
  newTab: '(opens in a new tab)',
  found: (n: number) => (n > 1 ? `${n} suggested articles` : '1 suggested article'),
};

const TEXT: Record<Locale, typeof en> = {
  en,
  fr: {
    heading: 'Articles suggérés',
    hide: 'Masquer les articles suggérés',
    newTab: '(s’ouvre dans un nouvel onglet)',
    found: (n) => (n > 1 ? `${n} articles suggérés` : '1 article suggéré'),
  },
  es: {
    heading: 'Artículos sugeridos',
    hide: 'Ocultar los artículos sugeridos',
    newTab: '(se abre en una pestaña nueva)',
    found: (n) => (n > 1 ? `${n} artículos sugeridos` : '1 artículo sugerido'),
  },
};

/** One suggestion, as the server gives it (`ArticleHit`). */
interface Hit {
  id: string;
  title: string;
  excerpt: string;
  url: string;
}

export interface SuggestionsProps {
  /** What the visitor has written so far. */
  q: string;
}

export function Suggestions({ q }: SuggestionsProps) {
  const { key, api, locale } = host();
  const language = locale();
  const t = TEXT[language];
  const [hits, setHits] = useState<Hit[]>([]);
  const [hidden, setHidden] = useState(false);
  /** The search whose answer is shown (its language and words): the same one is not asked again. */
  const shown = useRef('');
  const box = useRef<HTMLDivElement>(null);
  // Spaces and case do not change a search; the server takes at most 500 characters.
  const words = [...q.trim().replace(/\s+/g, ' ').toLowerCase()].slice(0, LONGEST).join('');
  const search = `${language} ${words}`;

  useEffect(() => {
    if (hidden || search === shown.current) return;
    if ([...words].length < SHORTEST) {
      shown.current = '';
      return setHits([]);
    }
    const abort = new AbortController();
    // A GET without custom headers, as the loader's: a "simple" request, no preflight.
    const timer = setTimeout(() => {
      const variables = JSON.stringify({ k: key, q: words, l: language });
      fetch(
        `${api}${api.includes('?') ? '&' : '?'}query=${encodeURIComponent(SEARCH)}&variables=${encodeURIComponent(variables)}`,
        {
          signal: abort.signal,
        },
      )
        .then((r) => r.json() as Promise<{ data?: { articleSearch: Hit[] } | null }>)
        .then(
          (body) => {
            shown.current = search;
            setHits(body.data?.articleSearch ?? []);
          },
          () => abort.signal.aborted || setHits([]),
        );
    }, PAUSE);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
    // `key`, `api` and `language` come with `search` or never change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, hidden]);

  const list = hidden
    ? []
    : hits.slice(0, 3).flatMap((hit) => {
        // The help center's page: a path is the widget's server's (where this file comes
        // from). Only a web address is a link; anything else is left out, never thrown.
        try {
          const href = new URL(hit.url, import.meta.url);
          return /^https?:$/.test(href.protocol) ? [{ ...hit, href: href.href }] : [];
        } catch {
          return [];
        }
      });

  function hide() {
    setHidden(true);
    box.current?.closest('form')?.querySelector('textarea')?.focus();
  }

  return (
    <div
      class="suggest"
      ref={box}
      onKeyDown={(e) => {
        // Escape hides the suggestions (not the chat) and goes back to the message.
        if (e.key !== 'Escape' || !list.length) return;
        e.stopPropagation();
        hide();
      }}
    >
      {/* Said politely when suggestions come, not read out as they change. */}
      <p class="sr" role="status">
        {list.length ? t.found(list.length) : ''}
      </p>
      {list.length > 0 && (
        <section class="suggest-box" aria-labelledby="cw-suggest">
          <p class="suggest-h" id="cw-suggest">
            {t.heading}
          </p>
          <button type="button" class="suggest-x" aria-label={t.hide} onClick={hide}>
            <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
              <path d="M6 6l12 12M18 6L6 18" />
            </svg>
          </button>
          <ul>
            {list.map((hit) => (
              <li key={hit.id}>
                <a href={hit.href} target="_blank" rel="noopener">
                  <b>{hit.title}</b>
                  <span>{hit.excerpt}</span>
                  <span class="sr"> {t.newTab}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
