/**
 * API keys (owners and admins): the organization's server-to-server keys, newest first,
 * with when each was made, last used and expires, what it may do and on which websites,
 * and whether it was revoked; a form to make one (a name, an optional expiry, its scopes,
 * the server's default set checked, and optionally the websites it is limited to); its
 * secret shown once, in a panel that lives only in this component's state, so it is gone
 * when dismissed or when the page is left; and Revoke, confirmed in a dialog. The server
 * keeps only a hash: a lost secret means a new key.
 */
import { useEffect, useId, useRef, useState } from 'react';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  RevokeApiKeyDocument,
  WebsiteNamesDocument,
  type ApiKey,
  type ApiKeyScope,
} from '../api';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import {
  Badge,
  Button,
  CodeBlock,
  Dialog,
  EmptyState,
  ErrorState,
  Loading,
  SelectField,
  TextField,
  toast,
  useAction,
  useLoad,
} from '../ui';

const DAY = 86_400_000;

/** The expiry choices, in days from now; `''` never expires. */
const EXPIRIES = [
  { value: '', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In 1 year' },
] as const;

/** RFC 3339 `days` from now, or null for a key that never expires. */
const expiryFrom = (days: string) => (days ? new Date(Date.now() + Number(days) * DAY).toISOString() : null);

/**
 * The scopes a key can have, in docs/api.md's order, each in a few words and a line
 * (docs/api.md's table says it in full); `byDefault`: the set the server gives a key made
 * without scopes, checked at first.
 */
export const SCOPES: { scope: ApiKeyScope; label: string; explain: string; byDefault: boolean }[] = [
  {
    scope: 'CONVERSATIONS_READ',
    label: 'Read conversations',
    explain: 'Conversations with their messages and visitors, the team, departments, saved replies; the live inbox.',
    byDefault: true,
  },
  {
    scope: 'CONVERSATIONS_WRITE',
    label: 'Manage conversations',
    explain: 'Assign conversations, change their status, edit saved replies.',
    byDefault: true,
  },
  {
    scope: 'MESSAGES_WRITE',
    label: 'Send messages',
    explain: 'Send messages (as a bot) and files, typing and read receipts.',
    byDefault: true,
  },
  {
    scope: 'VISITORS_READ',
    label: 'Read visitors',
    explain: "List blocked visitors; read a visitor's details where a change returns them.",
    byDefault: true,
  },
  {
    scope: 'VISITORS_WRITE',
    label: 'Update visitors',
    explain: "Set a customer's attributes, block and unblock visitors.",
    byDefault: true,
  },
  {
    scope: 'VISITORS_ERASE',
    label: 'Erase visitors',
    explain: "Erase a person's data and read the receipts.",
    byDefault: false,
  },
  {
    scope: 'VISITORS_EXPORT',
    label: 'Export visitors',
    explain: "Export a person's data and fetch the archives it asked for.",
    byDefault: false,
  },
  { scope: 'WEBSITES_READ', label: 'Read websites', explain: 'List websites and read their settings.', byDefault: true },
  {
    scope: 'WEBSITES_MANAGE',
    label: 'Manage websites',
    explain: 'Create and change websites and read their identity secret; includes Read websites.',
    byDefault: false,
  },
];

const scopeLabel = (scope: ApiKeyScope) => SCOPES.find((s) => s.scope === scope)?.label ?? scope;

const newestFirst = (keys: ApiKey[]) => [...keys].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

const isExpired = (k: ApiKey) => !!k.expiresAt && Date.parse(k.expiresAt) <= Date.now();

export function ApiKeysSection() {
  const { client } = useServices();
  const list = useLoad(async () => newestFirst((await client.request(ApiKeysDocument)).apiKeys), []);
  const websites = useLoad(async () => (await client.request(WebsiteNamesDocument)).websites, []);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const formId = useId();

  const create = useAction(async (form: FormData) => {
    const scopes = form.getAll('scope').map(String) as ApiKeyScope[];
    if (!scopes.length) throw new Error('Choose at least one thing the key may do.');
    const websiteIds = form.getAll('website').map(String);
    const { createApiKey } = await client.request(CreateApiKeyDocument, {
      name: String(form.get('name')).trim(),
      expiresAt: expiryFrom(String(form.get('expires'))),
      scopes,
      websiteIds: websiteIds.length ? websiteIds : null,
    });
    setCreated({ name: createApiKey.apiKey.name, secret: createApiKey.secret });
    list.set(newestFirst([createApiKey.apiKey, ...(list.data ?? [])]));
  });
  const websiteName = (id: string) => websites.data?.find((w) => w.id === id)?.name ?? id;
  const revoke = useAction(async (key: ApiKey) => {
    await client.request(RevokeApiKeyDocument, { id: key.id });
    const revokedAt = new Date().toISOString();
    list.set((list.data ?? []).map((k) => (k.id === key.id ? { ...k, revokedAt } : k)));
    setRevoking(null);
    toast(`${key.name} was revoked`);
  });
  const closeRevoke = () => {
    setRevoking(null);
    revoke.setError(null);
  };

  const keys = list.data;
  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>API keys</h2>
        <p className="muted">
          Keys let your own servers use the Chinwag API for your organization, as <code>Authorization: Bearer &lt;key&gt;</code>.
          Messages sent with a key appear as a bot. Revoke a key you no longer use.
        </p>
        <form
          className="stack"
          aria-label="New API key"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            void create.run(new FormData(form)).then((ok) => ok && form.reset());
          }}
        >
          <div className="inline-form">
            <TextField label="Name" name="name" required maxLength={100} placeholder="Order sync" />
            <SelectField label="Expires" name="expires" defaultValue="">
              {EXPIRIES.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </SelectField>
          </div>
          <fieldset className="fieldset">
            <legend>What the key may do</legend>
            <ul className="scope-list">
              {SCOPES.map((s) => (
                <li key={s.scope}>
                  <label className="check">
                    <input
                      type="checkbox"
                      name="scope"
                      value={s.scope}
                      defaultChecked={s.byDefault}
                      aria-describedby={`${formId}-${s.scope}`}
                    />{' '}
                    {s.label}
                  </label>
                  <p className="hint check-hint" id={`${formId}-${s.scope}`}>
                    {s.explain}
                  </p>
                </li>
              ))}
            </ul>
          </fieldset>
          {!!websites.data?.length && (
            <fieldset className="fieldset" aria-describedby={`${formId}-websites`}>
              <legend>Limit to websites (optional)</legend>
              <p className="hint" id={`${formId}-websites`}>
                A limited key sees nothing of the other websites. None checked: every website, now and later.
              </p>
              <ul className="scope-list">
                {websites.data.map((w) => (
                  <li key={w.id}>
                    <label className="check">
                      <input type="checkbox" name="website" value={w.id} /> {w.name}
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
          )}
          {create.error && (
            <p className="form-error" role="alert">
              {create.error}
            </p>
          )}
          <div>
            <Button type="submit" variant="primary" icon="plus" busy={create.busy}>
              Create key
            </Button>
          </div>
        </form>
        {created && <NewSecret {...created} onDone={() => setCreated(null)} />}
      </section>
      <section className="panel">
        <h2>Your keys</h2>
        {!keys ? (
          list.error ? (
            <ErrorState error={list.error} retry={list.reload} />
          ) : (
            <Loading />
          )
        ) : !keys.length ? (
          <EmptyState icon="key" title="No API keys yet" />
        ) : (
          <ul className="block-list key-list" aria-label="API keys">
            {keys.map((k) => (
              <li key={k.id} className={`card${k.revokedAt ? ' key-revoked' : ''}`}>
                <div>
                  <strong>{k.name}</strong>{' '}
                  {k.revokedAt ? (
                    <Badge tone="warn">revoked</Badge>
                  ) : isExpired(k) ? (
                    <Badge tone="warn">expired</Badge>
                  ) : (
                    <Badge tone="ok">active</Badge>
                  )}
                  <dl className="key-facts">
                    <dt>Created</dt>
                    <dd>
                      <time dateTime={k.createdAt}>{fullDate(k.createdAt)}</time>
                    </dd>
                    <dt>Last used</dt>
                    <dd>{k.lastUsedAt ? <time dateTime={k.lastUsedAt}>{fullDate(k.lastUsedAt)}</time> : 'Never used'}</dd>
                    {k.revokedAt ? (
                      <>
                        <dt>Revoked</dt>
                        <dd>
                          <time dateTime={k.revokedAt}>{fullDate(k.revokedAt)}</time>
                        </dd>
                      </>
                    ) : (
                      <>
                        <dt>{isExpired(k) ? 'Expired' : 'Expires'}</dt>
                        <dd>{k.expiresAt ? <time dateTime={k.expiresAt}>{fullDate(k.expiresAt)}</time> : 'Never expires'}</dd>
                      </>
                    )}
                    <dt>Scopes</dt>
                    <dd>{k.scopes.map(scopeLabel).join(', ')}</dd>
                    <dt>Websites</dt>
                    <dd>{k.websiteIds ? k.websiteIds.map(websiteName).join(', ') : 'All, now and later'}</dd>
                  </dl>
                </div>
                {!k.revokedAt && (
                  <Button size="sm" variant="danger" aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k)}>
                    Revoke
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Dialog
        open={!!revoking}
        title={`Revoke ${revoking?.name ?? ''}?`}
        onClose={closeRevoke}
        footer={
          <>
            <Button onClick={closeRevoke}>Cancel</Button>
            <Button variant="danger" busy={revoke.busy} onClick={() => void revoke.run(revoking!)}>
              Revoke
            </Button>
          </>
        }
      >
        <p>Anything using this key is refused at once, and its open connections close. This cannot be undone.</p>
        {revoke.error && (
          <p className="form-error" role="alert">
            {revoke.error}
          </p>
        )}
      </Dialog>
    </div>
  );
}

/** The new key's secret, this once: focused when it appears so a screen reader reads it out. */
function NewSecret({ name, secret, onDone }: { name: string; secret: string; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [secret]);
  return (
    <div className="key-secret" role="region" aria-labelledby="new-key-heading">
      <h3 id="new-key-heading" ref={heading} tabIndex={-1}>
        Copy the key “{name}” now
      </h3>
      <p className="notice">
        <strong>It will not be shown again.</strong> Keep it somewhere safe, like your server&apos;s secret store. If you lose it,
        revoke it and create a new one.
      </p>
      <CodeBlock label="The new API key" code={secret} />
      <div>
        <Button onClick={onDone}>Done, I have copied it</Button>
      </div>
    </div>
  );
}
