/**
 * Websites: add one, customize its widget (colour, position, greeting, launcher text,
 * allowed origins), set its business hours, pre-chat form and offline behaviour and its
 * live presence (LivePresence.tsx), page analytics and visitor
 * deletion (WebsiteSwitches.tsx), its conversions (Conversions.tsx), copy the install and
 * identity-verification snippets, send a test chat. The setup page reuses the editor as its
 * walkthrough (without the behaviour, live presence, page analytics, visitor deletion and
 * conversions, to stay short).
 */
import { createVisitorClient, memoryStorage, type WidgetPosition } from '@chinwag/sdk';
import { useEffect, useState, type FormEvent } from 'react';
import { CreateWebsiteDetailsDocument, UpdateWebsiteDocument, WebsitesDetailsDocument, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { API_URL } from '../session';
import { Link, navigate } from '../router';
import { BehaviourEditor } from './Behaviour';
import { ConversionsEditor } from './Conversions';
import { LivePresenceEditor } from './LivePresence';
import { PageAnalyticsEditor, VisitorDeletionEditor } from './WebsiteSwitches';
import { WidgetPreview } from './WidgetPreview';
import {
  Button,
  CodeBlock,
  EmptyState,
  ErrorState,
  Loading,
  SelectField,
  TextArea,
  TextField,
  errorMessage,
  toast,
  useAction,
  useLoad,
} from '../ui';

export function WebsitesSection({ id }: { id: string | null }) {
  const { client } = useServices();
  const list = useLoad(async () => (await client.request(WebsitesDetailsDocument)).websites);
  if (list.loading && !list.data) return <Loading />;
  if (list.error) return <ErrorState error={list.error} retry={list.reload} />;
  const websites = list.data ?? [];
  const current = websites.find((w) => w.id === id);
  if (current) return <WebsiteEditor website={current} onSaved={(w) => list.set(websites.map((x) => (x.id === w.id ? w : x)))} />;
  return (
    <section className="panel">
      <h2>Websites</h2>
      <p className="muted">Each website has its own widget key, look and allowed origins.</p>
      {websites.length ? (
        <ul className="cards">
          {websites.map((w) => (
            <li key={w.id}>
              <Link to={`settings/websites/${w.id}`} className="card-link">
                <span className="swatch" style={{ background: w.appearance.color }} aria-hidden="true" />
                <span>
                  <strong>{w.name}</strong>
                  <small className="muted">{w.publicKey}</small>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState icon="inbox" title="No website yet">
          <p>Add your website to get the widget snippet.</p>
        </EmptyState>
      )}
      <NewWebsite onCreated={(w) => (list.set([...websites, w]), navigate(`settings/websites/${w.id}`))} />
    </section>
  );
}

const originsOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);

export function NewWebsite({ onCreated }: { onCreated(w: WebsiteDetails): void }) {
  const { client } = useServices();
  const { run, busy, error } = useAction(async (f: FormData) => {
    const origins = originsOf(String(f.get('origins') ?? ''));
    const { createWebsite } = await client.request(CreateWebsiteDetailsDocument, {
      input: { name: String(f.get('name')), allowedOrigins: origins },
    });
    onCreated(createWebsite);
  });
  return (
    <form
      className="stack card"
      onSubmit={(e: FormEvent<HTMLFormElement>) => {
        e.preventDefault();
        void run(new FormData(e.currentTarget));
      }}
    >
      <h3>Add a website</h3>
      <TextField label="Website name" name="name" required placeholder="Acme shop" />
      <TextArea
        label="Allowed origins (optional)"
        name="origins"
        rows={2}
        placeholder="https://shop.example"
        hint="One per line. Only pages on these origins may start chats; leave empty to allow any."
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy}>
        Add website
      </Button>
    </form>
  );
}

export function installSnippet(key: string) {
  return `<script src="${location.origin}/widget.js" data-website-key="${key}" async></script>`;
}

export function identitySnippet(secret: string) {
  return `// On your server (Node.js): never put the secret in the page.
const crypto = require('node:crypto');
const IDENTITY_SECRET = '${secret}';
const userHash = crypto.createHmac('sha256', IDENTITY_SECRET).update(user.id).digest('hex');

// In the page, for a signed-in customer:
Chinwag('identify', { userId: user.id, userHash, name: user.name, email: user.email });`;
}

export function WebsiteEditor({
  website,
  onSaved,
  numbered,
}: {
  website: WebsiteDetails;
  onSaved(w: WebsiteDetails): void;
  numbered?: boolean;
}) {
  const { client } = useServices();
  const [name, setName] = useState(website.name);
  const [color, setColor] = useState(website.appearance.color);
  const [position, setPosition] = useState<WidgetPosition>(website.appearance.position);
  const [greeting, setGreeting] = useState(website.appearance.greeting);
  const [launcherText, setLauncherText] = useState(website.appearance.launcherText);
  const [origins, setOrigins] = useState(website.allowedOrigins.join('\n'));
  const [preview, setPreview] = useState(false);
  const n = (i: number, text: string) => (numbered ? `${i}. ${text}` : text);

  useEffect(() => {
    // The widget's demo page is the live preview, when the server has the widget built.
    fetch('/widget/demo.html', { method: 'HEAD' }).then(
      (r) => setPreview(r.ok),
      () => setPreview(false),
    );
  }, []);

  const save = useAction(async () => {
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, {
      id: website.id,
      input: { name, color, position, greeting, launcherText, allowedOrigins: originsOf(origins) },
    });
    onSaved(updateWebsite);
    toast('Saved');
  });
  const rotate = useAction(async () => {
    if (!confirm('Replace the identity secret? User hashes made with the old one stop working.')) return;
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, {
      id: website.id,
      input: { rotateIdentitySecret: true },
    });
    onSaved(updateWebsite);
    toast('New secret created');
  });
  const test = useAction(async () => {
    // A visitor of this very website, from this browser, kept in memory only.
    const visitor = createVisitorClient({
      url: API_URL,
      websiteKey: website.publicKey,
      storage: memoryStorage(),
      name: 'Test visitor',
    });
    try {
      const c = await visitor.startConversation('Hello! This is a test chat from the setup page.');
      toast('Test chat sent: it is in your inbox');
      navigate(`inbox/unassigned/${c.id}`);
    } catch (e) {
      if ((e as { code?: string }).code === 'FORBIDDEN')
        throw new Error(
          `This dashboard's origin (${location.origin}) is not among the allowed origins: add it to send a test chat from here.`,
        );
      throw e;
    } finally {
      visitor.dispose();
    }
  });

  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>{n(1, 'Customize the widget')}</h2>
        <form
          className="grid-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <TextField label="Website name" value={name} onChange={(e) => setName(e.target.value)} required />
          <div className="field">
            <label htmlFor="wc">Accent colour</label>
            <div className="color-row">
              <input
                id="wc"
                type="color"
                value={/^#[0-9a-f]{6}$/i.test(color) ? color : '#4f46e5'}
                onChange={(e) => setColor(e.target.value)}
              />
              <input
                className="input"
                aria-label="Accent colour as hex"
                value={color}
                onChange={(e) => setColor(e.target.value)}
                pattern="#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?"
              />
            </div>
          </div>
          <SelectField label="Position" value={position} onChange={(e) => setPosition(e.target.value as WidgetPosition)}>
            <option value="RIGHT">Bottom right</option>
            <option value="LEFT">Bottom left</option>
          </SelectField>
          <TextField
            label="Launcher text"
            value={launcherText}
            onChange={(e) => setLauncherText(e.target.value)}
            hint="Shown on the chat button."
          />
          <TextArea
            label="Greeting"
            value={greeting}
            onChange={(e) => setGreeting(e.target.value)}
            rows={2}
            hint="The widget shows it when the chat opens."
          />
          <TextArea
            label="Allowed origins"
            value={origins}
            onChange={(e) => setOrigins(e.target.value)}
            rows={2}
            placeholder="https://shop.example"
            hint="One per line; empty allows any origin."
          />
          <WidgetPreview websiteKey={website.publicKey} settings={{ name, color, position, greeting, launcherText }} />
          {save.error && (
            <p className="form-error" role="alert">
              {save.error}
            </p>
          )}
          <div className="row-actions">
            <Button type="submit" variant="primary" busy={save.busy}>
              Save changes
            </Button>
            {preview && (
              <a
                className="btn btn-secondary btn-md"
                href={`/widget/demo.html?key=${encodeURIComponent(website.publicKey)}`}
                target="_blank"
                rel="noreferrer"
              >
                Preview the widget
              </a>
            )}
          </div>
        </form>
      </section>
      {!numbered && <BehaviourEditor website={website} onSaved={onSaved} />}
      {!numbered && <LivePresenceEditor website={website} onSaved={onSaved} />}
      {!numbered && <PageAnalyticsEditor website={website} onSaved={onSaved} />}
      {!numbered && <VisitorDeletionEditor website={website} onSaved={onSaved} />}
      {!numbered && <ConversionsEditor website={website} onSaved={onSaved} />}
      <section className="panel">
        <h2>{n(2, 'Install the widget')}</h2>
        <p>
          Paste this line before <code>&lt;/body&gt;</code> on every page of your website:
        </p>
        <CodeBlock label="Install snippet" code={installSnippet(website.publicKey)} />
      </section>
      {website.identitySecret && (
        <section className="panel">
          <h2>{n(3, 'Identify signed-in customers (optional)')}</h2>
          <p>
            So that agents know who they talk to, and a customer's history follows them across devices, your server signs the user
            id with this website's secret:
          </p>
          <CodeBlock label="Identity verification snippet" code={identitySnippet(website.identitySecret)} />
          <Button size="sm" variant="ghost" busy={rotate.busy} onClick={() => void rotate.run()}>
            Replace the secret
          </Button>
          {rotate.error && <p className="form-error">{rotate.error}</p>}
        </section>
      )}
      <section className="panel">
        <h2>{n(website.identitySecret ? 4 : 3, 'Send a test chat')}</h2>
        <p>Sends a message as a visitor of this website, then opens it in your inbox so you can answer it.</p>
        <Button variant="primary" busy={test.busy} onClick={() => void test.run()}>
          Send a test chat
        </Button>
        {test.error && (
          <p className="form-error" role="alert">
            {errorMessage(test.error)}
          </p>
        )}
      </section>
    </div>
  );
}
