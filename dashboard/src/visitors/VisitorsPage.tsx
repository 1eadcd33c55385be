/**
 * Visitors: who is on the websites now, from the widget's presence beacon on websites
 * that turn live presence on (Settings › Websites & widget › Live visitors; docs/dashboard.md,
 * "Visitors"). Asked again every 10 s (a poll: the list is in each node's memory, not on
 * the event stream), and said so quietly ("updated 4 s ago"). An agent writes to a
 * visitor from their row: the widget shows the message with its next beacon, and it
 * becomes a conversation only if the visitor replies. A row whose composer is open stays
 * while the visitor leaves, marked as gone, so that nothing typed is lost.
 */
import { useEffect, useId, useState } from 'react';
import { useServices } from '../directory';
import { fullDate, visitorName, waitedFor } from '../inbox/format';
import { Link, navigate, useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import { Badge, Button, EmptyState, ErrorState, Loading, SelectField, errorMessage, useLoad } from '../ui';
import { LiveVisitorsDocument, MessageLiveVisitorDocument, PresenceWebsitesDocument, type LiveVisitor } from '../visitors';

/** How often the list is asked for again. */
export const REFRESH_MS = 10_000;

export default function VisitorsPage() {
  const { client } = useServices();
  const me = useMe();
  const { query } = useLocation();
  const websites = useLoad(async () => (await client.request(PresenceWebsitesDocument)).websites, [client]);
  const chosen = query.get('website');
  const websiteId = websites.data?.some((w) => w.id === chosen) ? chosen : null;
  const [live, setLive] = useState<{ list: LiveVisitor[]; at: number; websiteId: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  /** The rows with an open composer, kept when their visitor leaves. */
  const [held, setHeld] = useState<Record<string, LiveVisitor>>({});

  useEffect(() => {
    let on = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      clearTimeout(timer);
      // A hidden tab does not ask; it asks at once when shown again.
      if (document.visibilityState !== 'hidden') {
        try {
          const { liveVisitors } = await client.request(LiveVisitorsDocument, { websiteId });
          if (!on) return;
          setLive({ list: liveVisitors, at: Date.now(), websiteId });
          setError(null);
        } catch (e) {
          if (on) setError(e);
        }
      }
      if (on) timer = setTimeout(() => void poll(), REFRESH_MS);
    };
    const shown = () => document.visibilityState === 'visible' && void poll();
    void poll();
    document.addEventListener('visibilitychange', shown);
    return () => {
      on = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [client, websiteId]);

  const sites = websites.data ?? [];
  const siteName = (id: string) => sites.find((w) => w.id === id)?.name ?? '';
  const current = live && live.websiteId === websiteId ? live : null;
  const rows = current?.list ?? [];
  const gone = Object.values(held).filter(
    (v) => (!websiteId || v.websiteId === websiteId) && !rows.some((r) => r.presenceId === v.presenceId),
  );
  const admin = isAdmin(me);
  const on = sites.filter((w) => w.livePresence !== 'OFF');
  const filtered = sites.find((w) => w.id === websiteId);
  const settingsLink = (id: string | undefined, text: string) =>
    admin ? <Link to={id ? `settings/websites/${id}` : 'settings/websites'}>{text}</Link> : <>{text} (owners and admins)</>;

  return (
    <div className="visitors">
      <header className="visitors-head">
        <div>
          <h1>Visitors</h1>
          <p className="muted">Who is on your websites now. You can write to them; it becomes a chat if they reply.</p>
        </div>
        {sites.length > 1 && (
          <SelectField
            label="Website"
            value={websiteId ?? ''}
            onChange={(e) => navigate(e.target.value ? `visitors?website=${e.target.value}` : 'visitors', { replace: true })}
          >
            <option value="">All websites</option>
            {sites.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </SelectField>
        )}
      </header>
      {websites.data && sites.length === 0 ? (
        <p className="notice" role="note">
          No website yet: {settingsLink(undefined, 'add one under Settings › Websites & widget')}.
        </p>
      ) : websites.data && on.length === 0 ? (
        <p className="notice" role="note">
          Live visitors are off on every website: turn them on in{' '}
          {settingsLink(sites[0]?.id, 'Settings › Websites & widget › Live visitors')}.
        </p>
      ) : filtered && filtered.livePresence === 'OFF' ? (
        <p className="notice" role="note">
          Live visitors are off on {filtered.name}: turn them on in{' '}
          {settingsLink(filtered.id, 'Settings › Websites & widget › Live visitors')}.
        </p>
      ) : null}
      {error && !current ? (
        <ErrorState error={error} />
      ) : !current ? (
        <Loading />
      ) : (
        <>
          {(on.length > 0 || rows.length > 0) && (
            <p className="visitors-status muted">
              {rows.length === 1 ? '1 visitor' : `${rows.length} visitors`} now · <Updated at={current.at} />
              {error ? ` · could not refresh (${errorMessage(error)}); trying again` : ''}
            </p>
          )}
          {rows.length || gone.length ? (
            <ul className="live-list" aria-label="Visitors on your websites">
              {[...rows, ...gone].map((v) => (
                <VisitorRow
                  key={v.presenceId}
                  visitor={v}
                  gone={!rows.includes(v)}
                  website={sites.length > 1 && !websiteId ? siteName(v.websiteId) : null}
                  onComposing={(open) =>
                    setHeld((all) => {
                      const next = { ...all };
                      if (open) next[v.presenceId] = v;
                      else delete next[v.presenceId];
                      return next;
                    })
                  }
                />
              ))}
            </ul>
          ) : on.length ? (
            <EmptyState icon="users" title="Nobody right now">
              <p>Visitors show here within 30 seconds of opening a page with your widget.</p>
            </EmptyState>
          ) : null}
        </>
      )}
    </div>
  );
}

/** "updated 4 s ago", ticking by itself (only this text re-renders each second). */
function Updated({ at }: { at: number }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  const s = Math.max(0, Math.round((now - at) / 1_000));
  return (
    <span title={`Refreshes every ${REFRESH_MS / 1_000} s`}>
      updated {s < 2 ? 'just now' : `${s} s ago`}, every {REFRESH_MS / 1_000} s
    </span>
  );
}

/** Where they came from, short: the referrer's host. */
const hostOf = (url: string) => {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
};

function VisitorRow({
  visitor: v,
  gone,
  website,
  onComposing,
}: {
  visitor: LiveVisitor;
  gone: boolean;
  website: string | null;
  onComposing(open: boolean): void;
}) {
  const title = v.title?.trim() || v.url;
  const who = v.visitor ? visitorName(v.visitor) : null;
  const headingId = useId();
  return (
    <li className={`live-row${gone ? ' gone' : ''}`} aria-labelledby={headingId}>
      <div className="live-main">
        <div className="live-title-row">
          <strong id={headingId} className="live-title" title={title}>
            {title}
          </strong>
          {v.returning && <Badge tone="accent">Returning</Badge>}
          {gone && <Badge tone="warn">Left</Badge>}
        </div>
        {/^https?:\/\//i.test(v.url) ? (
          <a className="live-url" href={v.url} title={v.url} target="_blank" rel="noreferrer noopener">
            {v.url}
          </a>
        ) : (
          <span className="live-url">{v.url}</span>
        )}
        <p className="live-meta muted">
          {who && (
            <>
              <strong className="live-who">{who}</strong>
              {v.visitor?.email && v.visitor.email !== who ? ` (${v.visitor.email})` : ''} ·{' '}
            </>
          )}
          <span>
            here for{' '}
            <time dateTime={v.firstSeenAt} title={fullDate(v.firstSeenAt)}>
              {waitedFor(v.firstSeenAt)}
            </time>
          </span>
          {' · '}
          {v.pagesViewed === 1 ? '1 page' : `${v.pagesViewed} pages`}
          {v.referrer && <> · from {hostOf(v.referrer)}</>}
          {website && <> · {website}</>}
        </p>
      </div>
      <LiveComposer visitor={v} name={who ?? title} onComposing={onComposing} />
    </li>
  );
}

function LiveComposer({
  visitor: v,
  name,
  onComposing,
}: {
  visitor: LiveVisitor;
  name: string;
  onComposing(open: boolean): void;
}) {
  const { client } = useServices();
  const [open, setOpen] = useState(false);
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fieldId = useId();
  const toggle = (next: boolean) => {
    setOpen(next);
    setError(null);
    if (next) setSent(false);
    onComposing(next);
  };
  const send = async () => {
    if (!body.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await client.request(MessageLiveVisitorDocument, { websiteId: v.websiteId, presenceId: v.presenceId, body: body.trim() });
      setBody('');
      setSent(true);
      setOpen(false);
      onComposing(false);
    } catch (e) {
      const message = errorMessage(e);
      setError((e as { code?: string }).code === 'NOT_FOUND' ? `They have left the site (${message}).` : message);
    } finally {
      setBusy(false);
    }
  };
  if (!open)
    return (
      <div className="live-compose">
        <Button size="sm" icon="send" aria-label={`Write to ${name}`} onClick={() => toggle(true)}>
          Write
        </Button>
        {sent && (
          <p className="live-sent" role="status">
            Sent — they’ll see it within 30 s; it becomes a conversation if they reply.
          </p>
        )}
      </div>
    );
  return (
    <form
      className="live-compose open"
      aria-label={`Write to ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label htmlFor={fieldId} className="sr-only">
        Message to {name}
      </label>
      <textarea
        id={fieldId}
        className="input"
        rows={2}
        maxLength={2000}
        value={body}
        autoFocus
        placeholder="Hi! Can I help you find something?"
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            void send();
          } else if (e.key === 'Escape') toggle(false);
        }}
      />
      <div className="row-actions">
        <Button type="submit" size="sm" variant="primary" busy={busy} disabled={!body.trim()}>
          Send
        </Button>
        <Button size="sm" variant="ghost" onClick={() => toggle(false)}>
          Cancel
        </Button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
