/**
 * A new article: its first text (title, Markdown body, language), category and, if
 * wanted, slug (else the server makes one from the title). Saved as a draft, by anyone;
 * then the editor opens on it. The server's refusals show under their field.
 */
import { useRef, useState } from 'react';
import { CreateArticleDocument, type HelpWebsite } from '../articles';
import { useServices } from '../directory';
import { Link, navigate, useLeaveGuard } from '../router';
import { Button, SelectField, TextArea, TextField, toast, useAction } from '../ui';
import { dashboardLanguage, fieldErrors, type FieldErrors } from './shared';

export function NewArticle({ websites, websiteId }: { websites: HelpWebsite[]; websiteId: string | null }) {
  const { client } = useServices();
  const formRef = useRef<HTMLFormElement>(null);
  const [site, setSite] = useState((websites.find((w) => w.id === websiteId) ?? websites[0]!).id);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [typed, setTyped] = useState(false);
  useLeaveGuard(typed ? 'Leave this new article without saving it?' : null);
  const back = `help-center${websites.length > 1 ? `?website=${site}` : ''}`;

  const save = useAction(async (f: FormData) => {
    setErrors({});
    const text = (name: string) => String(f.get(name) ?? '').trim();
    try {
      const { createArticle } = await client.request(CreateArticleDocument, {
        input: {
          websiteId: site,
          title: text('title'),
          // The body as typed: Markdown's leading spaces and trailing lines mean something.
          body: String(f.get('body') ?? ''),
          language: text('language').toLowerCase(),
          ...(text('slug') && { slug: text('slug') }),
          ...(text('category') && { category: text('category') }),
        },
      });
      toast(`Draft saved as “${createArticle.slug}”`);
      navigate(`help-center/${createArticle.id}`, { discard: true });
    } catch (e) {
      const found = fieldErrors(e);
      setErrors(found);
      const field = Object.keys(found).find((k) => k !== 'form');
      const control = field && formRef.current?.elements.namedItem(field);
      if (control instanceof HTMLElement) control.focus();
    }
  });

  return (
    <>
      <header className="help-head">
        <div>
          <Link to={back} className="help-back">
            ← All articles
          </Link>
          <h1>New article</h1>
          <p className="muted">Saved as a draft: only your team sees it until an owner or admin publishes it.</p>
        </div>
      </header>
      <form
        ref={formRef}
        className="panel stack"
        noValidate
        aria-label="New article"
        onInput={() => setTyped(true)}
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(new FormData(e.currentTarget));
        }}
      >
        {websites.length > 1 && (
          <SelectField label="Website" value={site} onChange={(e) => setSite(e.target.value)}>
            {websites.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </SelectField>
        )}
        <TextField label="Title" name="title" required maxLength={200} autoComplete="off" error={errors.title} />
        <div className="article-meta-fields">
          <TextField
            label="Category (optional)"
            name="category"
            maxLength={80}
            placeholder="Shipping"
            hint="Groups articles in the help center."
            error={errors.category}
          />
          <TextField
            label="Slug (optional)"
            name="slug"
            maxLength={80}
            autoComplete="off"
            spellCheck={false}
            placeholder="shipping-to-norway"
            hint="The article’s address: lowercase letters, digits and -. Made from the title when empty."
            error={errors.slug}
          />
          <TextField
            label="Language"
            name="language"
            required
            maxLength={35}
            defaultValue={dashboardLanguage()}
            autoComplete="off"
            spellCheck={false}
            hint="A tag like en, nb or pt-br."
            error={errors.language}
          />
        </div>
        <TextArea
          label="Body (Markdown)"
          name="body"
          className="input markdown-input"
          rows={18}
          spellCheck
          hint="Headings (#), lists, **bold**, links, images and tables. HTML shows as text."
          error={errors.body}
        />
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={save.busy}>
            Save draft
          </Button>
          <Link to={back} className="btn btn-secondary btn-md">
            Cancel
          </Link>
        </div>
        {errors.form && (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        )}
      </form>
    </>
  );
}
