/**
 * One article: a tab per language (the address keeps it: `?lang=nb`), its title and
 * Markdown beside the preview of the saved text, the article's category and slug; adding,
 * removing and promoting languages. Owners and admins publish, unpublish and delete; an
 * agent changes drafts only, and sees a published article read-only. Leaving with unsaved
 * changes (a link, Back, another tab, closing the page) asks first.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import {
  ArticleDocument,
  DeleteArticleTextDocument,
  PublishArticleDocument,
  UnpublishArticleDocument,
  UpdateArticleDocument,
  type Article,
  type HelpWebsite,
  type UpdateArticleInput,
} from '../articles';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import { Link, navigate, useLeaveGuard, useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import {
  Button,
  EmptyState,
  ErrorState,
  Icon,
  Loading,
  TextArea,
  TextField,
  errorMessage,
  toast,
  useAction,
  useLoad,
} from '../ui';
import { StatusBadge } from './ArticleList';
import { AddLanguage, DeleteArticle, Preview } from './ArticleParts';
import { fieldErrors, helpCenterUrl, languageName, type FieldErrors } from './shared';

export function ArticleEditor({ id, websites }: { id: string; websites: HelpWebsite[] }) {
  const { client } = useServices();
  const { query } = useLocation();
  const loaded = useLoad(async () => (await client.request(ArticleDocument, { id })).article, [client, id]);
  // Each change the server answers starts the form again from it.
  const [revision, setRevision] = useState(0);
  if (loaded.error)
    return (loaded.error as { code?: string }).code === 'NOT_FOUND' ? (
      <>
        <BackLink to="help-center" />
        <EmptyState icon="book" title="No such article">
          <p>It was deleted, or the link is not complete.</p>
        </EmptyState>
      </>
    ) : (
      <ErrorState error={loaded.error} retry={loaded.reload} />
    );
  if (!loaded.data) return <Loading />;
  const article = loaded.data;
  const asked = query.get('lang');
  const lang = asked && article.texts.some((t) => t.language === asked) ? asked : article.defaultLanguage;
  return (
    <Editor
      key={`${lang}:${revision}`}
      article={article}
      lang={lang}
      website={websites.find((w) => w.id === article.websiteId) ?? null}
      onChange={(a) => {
        loaded.set(a);
        setRevision((r) => r + 1);
      }}
    />
  );
}

function BackLink({ to }: { to: string }) {
  return (
    <Link to={to} className="help-back">
      ← All articles
    </Link>
  );
}

/**
 * The tab to focus once its language shows: choosing a tab draws the editor anew (the
 * address changed), and focus would otherwise fall to the page.
 */
let refocus: string | null = null;

/**
 * Arrow keys, Home and End move focus among the language tabs; Enter or Space opens one
 * (manual activation: opening may ask about unsaved changes first).
 */
function moveAmongTabs(e: KeyboardEvent<HTMLDivElement>) {
  const tabs = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const at = tabs.indexOf(document.activeElement as HTMLButtonElement);
  const to =
    e.key === 'ArrowRight'
      ? at + 1
      : e.key === 'ArrowLeft'
        ? at - 1
        : e.key === 'Home'
          ? 0
          : e.key === 'End'
            ? tabs.length - 1
            : null;
  if (to === null || at < 0) return;
  e.preventDefault();
  tabs[(to + tabs.length) % tabs.length]?.focus();
}

/** The address of the article's tab in `language` (the default language's has none). */
const tabPath = (a: Article, language: string) =>
  `help-center/${a.id}${language === a.defaultLanguage ? '' : `?lang=${encodeURIComponent(language)}`}`;

function Editor({
  article,
  lang,
  website,
  onChange,
}: {
  article: Article;
  lang: string;
  website: HelpWebsite | null;
  onChange(article: Article): void;
}) {
  const { client } = useServices();
  const admin = isAdmin(useMe());
  const formRef = useRef<HTMLFormElement>(null);
  const text = article.texts.find((t) => t.language === lang)!;
  const saved = { title: text.title, body: text.body, slug: article.slug, category: article.category };
  const [draft, setDraft] = useState(saved);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const published = article.status === 'PUBLISHED';
  const canEdit = !published || admin;
  const isDefault = lang === article.defaultLanguage;
  const dirty = (Object.keys(saved) as (keyof typeof saved)[]).some((k) => draft[k] !== saved[k]);
  const question = `Discard your unsaved changes to “${text.title}” (${lang})?`;
  useLeaveGuard(dirty ? question : null);
  useEffect(() => {
    if (refocus !== lang) return;
    refocus = null;
    document.getElementById(`lang-tab-${lang}`)?.focus();
  }, [lang]);
  const mayDiscard = () => !dirty || confirm(question);
  const list = `help-center?website=${article.websiteId}`;
  const set = (k: keyof typeof saved) => (e: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [k]: e.currentTarget.value });

  const showRefusal = (e: unknown) => {
    const found = fieldErrors(e);
    setErrors(found);
    const field = Object.keys(found).find((k) => k !== 'form');
    const control = field && formRef.current?.elements.namedItem(field);
    if (control instanceof HTMLElement) control.focus();
  };
  /** Writes what changed; resolves to the article as saved. */
  const persist = async () => {
    const input: UpdateArticleInput = { language: lang };
    if (draft.title !== saved.title) input.title = draft.title.trim();
    if (draft.body !== saved.body) input.body = draft.body;
    if (draft.slug !== saved.slug) input.slug = draft.slug.trim();
    if (draft.category !== saved.category) input.category = draft.category.trim();
    return (await client.request(UpdateArticleDocument, { id: article.id, input })).updateArticle;
  };
  const save = useAction(async () => {
    setErrors({});
    try {
      const a = await persist();
      toast(published ? 'Saved: the help center shows it now' : 'Draft saved');
      onChange(a);
    } catch (e) {
      showRefusal(e);
    }
  });
  const publish = useAction(async () => {
    setErrors({});
    let current = article;
    try {
      if (dirty) current = await persist();
    } catch (e) {
      return showRefusal(e);
    }
    try {
      current = (await client.request(PublishArticleDocument, { id: article.id })).publishArticle;
      toast('Published: it is in the help center now');
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
    onChange(current);
  });
  /** An action on the saved article, which the unsaved changes would not survive. */
  const change = useAction(async (run: () => Promise<Article>, done: string, then?: () => void) => {
    const a = await run();
    toast(done);
    then?.();
    onChange(a);
  });
  const act = (run: () => Promise<Article>, done: string, then?: () => void) => {
    if (mayDiscard()) void change.run(run, done, then);
  };

  const readOnly = !canEdit;
  const name = languageName(lang);
  return (
    <>
      <header className="help-head">
        <div className="help-title">
          <BackLink to={list} />
          <h1>{text.title}</h1>
          <p className="article-facts muted">
            <StatusBadge status={article.status} />
            <span>
              Slug <code>{article.slug}</code>
            </span>
            <span>{article.category || 'No category'}</span>
            <span>
              Updated <time dateTime={article.updatedAt}>{fullDate(article.updatedAt)}</time>
            </span>
            {article.publishedAt && (
              <span>
                First published <time dateTime={article.publishedAt}>{fullDate(article.publishedAt)}</time>
              </span>
            )}
          </p>
        </div>
        <div className="help-head-actions">
          {published && website && (
            <a
              className="btn btn-secondary btn-md"
              href={helpCenterUrl(website.publicKey, article.slug, lang)}
              target="_blank"
              rel="noopener"
            >
              <Icon name="external" size={16} />
              View in help center
            </a>
          )}
          {admin &&
            (published ? (
              <Button
                busy={change.busy}
                onClick={() =>
                  act(
                    async () => (await client.request(UnpublishArticleDocument, { id: article.id })).unpublishArticle,
                    'Back to a draft: gone from the help center',
                  )
                }
              >
                Unpublish
              </Button>
            ) : (
              <Button variant="primary" busy={publish.busy} onClick={() => void publish.run()}>
                {dirty ? 'Save and publish' : 'Publish'}
              </Button>
            ))}
          {admin && (
            <Button variant="danger" icon="trash" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          )}
        </div>
      </header>
      {!admin && (
        <p className="notice" role="note">
          An owner or admin publishes articles.
          {published && ' This one is published, so only they can change it.'}
        </p>
      )}
      {admin && published && <p className="muted">This article is published: what you save shows in the help center at once.</p>}

      <div className="lang-bar">
        <div className="lang-tabs" role="tablist" aria-label="Languages" onKeyDown={moveAmongTabs}>
          {article.texts.map((t) => (
            <button
              key={t.language}
              type="button"
              role="tab"
              id={`lang-tab-${t.language}`}
              aria-selected={t.language === lang}
              aria-controls="lang-panel"
              tabIndex={t.language === lang ? 0 : -1}
              className={t.language === lang ? 'on' : ''}
              onClick={() => {
                refocus = t.language;
                navigate(tabPath(article, t.language), { replace: true });
              }}
            >
              {languageName(t.language)}
              {t.language === article.defaultLanguage && <small> · default</small>}
            </button>
          ))}
        </div>
        {canEdit && !adding && (
          <Button
            size="sm"
            icon="plus"
            onClick={() => {
              if (!mayDiscard()) return;
              setDraft(saved);
              setAdding(true);
            }}
          >
            Add language
          </Button>
        )}
      </div>

      {adding && (
        <AddLanguage
          article={article}
          onCancel={() => setAdding(false)}
          onAdded={(a, language) => {
            navigate(tabPath(a, language), { replace: true, discard: true });
            onChange(a);
          }}
        />
      )}

      <form
        ref={formRef}
        id="lang-panel"
        role="tabpanel"
        aria-labelledby={`lang-tab-${lang}`}
        className="panel stack"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (canEdit && dirty) void save.run();
        }}
      >
        <TextField
          label={`Title (${name})`}
          name="title"
          value={draft.title}
          onChange={set('title')}
          readOnly={readOnly}
          maxLength={200}
          autoComplete="off"
          error={errors.title}
        />
        <div className="article-editor">
          <TextArea
            label={`Body in Markdown (${name})`}
            name="body"
            className="input markdown-input"
            value={draft.body}
            onChange={set('body')}
            readOnly={readOnly}
            rows={22}
            error={errors.body}
          />
          <Preview title={text.title} html={text.html} language={lang} />
        </div>
        <div className="article-meta-fields">
          <TextField
            label="Category (all languages)"
            name="category"
            value={draft.category}
            onChange={set('category')}
            readOnly={readOnly}
            maxLength={80}
            placeholder="No category"
            error={errors.category}
          />
          <TextField
            label="Slug (all languages)"
            name="slug"
            value={draft.slug}
            onChange={set('slug')}
            readOnly={readOnly}
            maxLength={80}
            autoComplete="off"
            spellCheck={false}
            hint={
              published
                ? 'The article’s address: changing it breaks links to the old one.'
                : 'The article’s address in the help center.'
            }
            error={errors.slug}
          />
        </div>
        {canEdit && (
          <div className="row-actions">
            <Button type="submit" variant="primary" busy={save.busy} disabled={!dirty}>
              Save changes
            </Button>
            {dirty && (
              <Button
                onClick={() => {
                  setDraft(saved);
                  setErrors({});
                }}
              >
                Discard changes
              </Button>
            )}
            {!isDefault && (
              <>
                <Button
                  busy={change.busy}
                  onClick={() =>
                    act(
                      async () =>
                        (await client.request(UpdateArticleDocument, { id: article.id, input: { defaultLanguage: lang } }))
                          .updateArticle,
                      `${name} is the default language now`,
                    )
                  }
                >
                  Make default language
                </Button>
                <Button
                  variant="danger"
                  busy={change.busy}
                  onClick={() => {
                    if (
                      !confirm(`Remove the ${name} text of “${saved.title}”?${dirty ? ' Your unsaved changes go with it.' : ''}`)
                    )
                      return;
                    void change.run(
                      async () =>
                        (await client.request(DeleteArticleTextDocument, { id: article.id, language: lang })).deleteArticleText,
                      `${name} removed`,
                      () => navigate(tabPath(article, article.defaultLanguage), { replace: true, discard: true }),
                    );
                  }}
                >
                  Remove this language
                </Button>
              </>
            )}
          </div>
        )}
        {(errors.form || change.error) && (
          <p className="form-error" role="alert">
            {errors.form || change.error}
          </p>
        )}
      </form>

      <DeleteArticle
        article={article}
        title={text.title}
        open={deleting}
        onClose={() => setDeleting(false)}
        onDeleted={() => navigate(list, { discard: true })}
      />
    </>
  );
}
