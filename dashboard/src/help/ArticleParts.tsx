/**
 * The pieces of the article editor (ArticleEditor.tsx): the preview of a saved text, the
 * form that adds a language, and the delete that asks first.
 */
import { useRef, useState } from 'react';
import { DeleteArticleDocument, UpdateArticleDocument, type Article } from '../articles';
import { useServices } from '../directory';
import { Button, Dialog, TextArea, TextField, toast, useAction } from '../ui';
import { fieldErrors, languageName, type FieldErrors } from './shared';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The preview's own styles: close to the help center's article, in the dashboard's type. */
const PREVIEW_CSS = `body{margin:0;padding:16px 18px;font:15px/1.6 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fff;overflow-wrap:anywhere}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .75rem}h2{font-size:1.2rem}h3{font-size:1.05rem}a{color:#4338ca}img{max-width:100%}
pre{overflow:auto;background:#f4f4f5;padding:.75rem;border-radius:.5rem}code{font-family:ui-monospace,Menlo,monospace;font-size:.9em}
table{border-collapse:collapse}td,th{border:1px solid #e4e4e7;padding:.3rem .6rem}blockquote{margin:0;padding-left:1rem;border-left:3px solid #d4d4d8;color:#57606a}`;

/**
 * The saved text as the help center renders it. The server's HTML comes from an
 * allow-list, and still never enters the dashboard's own document: it is drawn in a frame
 * sandboxed without scripts or our origin (nothing in it could run, or reach the session),
 * under a policy of its own that allows no script at all. Links open in a new tab.
 */
export function Preview({ title, html, language }: { title: string; html: string; language: string }) {
  const doc =
    `<!doctype html><html lang="${escape(language)}"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${location.origin} https: data:; style-src 'unsafe-inline'">` +
    `<base target="_blank"><style>${PREVIEW_CSS}</style></head><body><h1>${escape(title)}</h1>${html}</body></html>`;
  return (
    <figure className="article-preview">
      <figcaption className="field-label">Preview of the saved version</figcaption>
      <iframe title="Preview of the saved version" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={doc} />
    </figure>
  );
}

/** A text in a language the article does not have yet (a title and a body are both needed). */
export function AddLanguage({
  article,
  onAdded,
  onCancel,
}: {
  article: Article;
  onAdded(article: Article, language: string): void;
  onCancel(): void;
}) {
  const { client } = useServices();
  const formRef = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const add = useAction(async (f: FormData) => {
    setErrors({});
    // As the server writes tags (`nb_NO` is `nb-no`), to find one the article has.
    const language = String(f.get('language') ?? '')
      .trim()
      .toLowerCase()
      .replace(/_/g, '-');
    const title = String(f.get('title') ?? '').trim();
    const body = String(f.get('body') ?? '');
    // updateArticle would overwrite an existing text: this form only adds.
    const found: FieldErrors = article.texts.some((t) => t.language === language)
      ? { language: `The article already has a text in ${languageName(language)}: open its tab to change it.` }
      : {
          ...(!language && { language: 'Give the language, like nb or pt-br.' }),
          ...(!title && { title: 'A new language needs a title.' }),
          ...(!body.trim() && { body: 'A new language needs a body.' }),
        };
    if (!Object.keys(found).length) {
      try {
        const { updateArticle } = await client.request(UpdateArticleDocument, {
          id: article.id,
          input: { language, title, body },
        });
        const added =
          updateArticle.texts.find((t) => !article.texts.some((o) => o.language === t.language))?.language ?? language;
        toast(`${languageName(added)} added`);
        onAdded(updateArticle, added);
        return;
      } catch (e) {
        Object.assign(found, fieldErrors(e));
      }
    }
    setErrors(found);
    const field = Object.keys(found).find((k) => k !== 'form');
    const control = field && formRef.current?.elements.namedItem(field);
    if (control instanceof HTMLElement) control.focus();
  });
  return (
    <form
      ref={formRef}
      className="panel stack"
      noValidate
      aria-label="Add a language"
      onSubmit={(e) => {
        e.preventDefault();
        void add.run(new FormData(e.currentTarget));
      }}
    >
      <h2>Add a language</h2>
      <div className="article-meta-fields">
        <TextField
          label="Language"
          name="language"
          required
          maxLength={35}
          autoComplete="off"
          spellCheck={false}
          placeholder="nb"
          hint="A tag like nb, de or pt-br."
          error={errors.language}
        />
        <TextField label="Title" name="title" required maxLength={200} autoComplete="off" error={errors.title} />
      </div>
      <TextArea label="Body (Markdown)" name="body" className="input markdown-input" rows={10} error={errors.body} />
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={add.busy}>
          Add language
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  );
}

/** "Delete …?", open while `open`: gone from the help center, search and the widget, every language. */
export function DeleteArticle({
  article,
  title,
  open,
  onClose,
  onDeleted,
}: {
  article: Article;
  title: string;
  open: boolean;
  onClose(): void;
  onDeleted(): void;
}) {
  const { client } = useServices();
  const remove = useAction(async () => {
    await client.request(DeleteArticleDocument, { id: article.id });
    toast(`“${title}” deleted`);
    onDeleted();
  });
  const close = () => {
    remove.setError(null);
    onClose();
  };
  return (
    <Dialog
      open={open}
      title={`Delete “${title}”?`}
      onClose={close}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
            Delete article
          </Button>
        </>
      }
    >
      <p>
        The article and its {article.texts.length === 1 ? 'text' : `${article.texts.length} languages`} are deleted for good
        {article.status === 'PUBLISHED' ? ', and leave the help center, search and the widget at once' : ''}.
      </p>
      {remove.error && (
        <p className="form-error" role="alert">
          {remove.error}
        </p>
      )}
    </Dialog>
  );
}
