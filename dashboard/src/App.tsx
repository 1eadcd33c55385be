/**
 * The app's top level: signed-out pages, or the signed-in shell (navigation, the
 * connection banner, the agent's status, the inbox, and the lazily loaded live visitors,
 * help center, reports and settings).
 */
import type { Agent, AgentStatus, ConnectionState } from '@chinwag/sdk';
import { Suspense, lazy, useEffect, useState, useSyncExternalStore } from 'react';
import { AcceptInvitePage, ForgotPasswordPage, LogInPage, ResetPasswordPage, SignUpPage } from './auth';
import { Services, createDirectory, useDirectory, useServices, type AppServices } from './directory';
import { createInbox } from './inbox/inbox';
import InboxPage from './inbox/InboxPage';
import { visitorName } from './inbox/format';
import { chime, desktopNotify, useTitle } from './notify';
import { forgetDevice, usePush } from './push';
import { Link, navigate, useLocation } from './router';
import { isAdmin, session, useMe, useSession } from './session';
import { Avatar, EmptyState, Icon, Loading, Toasts, errorMessage, toast } from './ui';

// Settings and setup are not needed to answer chats: they load on first visit, keeping
// the initial JavaScript small.
const SettingsPage = lazy(() => import('./settings/SettingsPage'));
const SetupPage = lazy(() => import('./settings/SetupPage'));
const VisitorsPage = lazy(() => import('./visitors/VisitorsPage'));
// Reports are for owners and admins, now and then: their charts and tables are a chunk of their own.
const ReportsPage = lazy(() => import('./reports/ReportsPage'));
// Articles are written now and then, not while answering chats: a chunk of their own too.
const HelpCenterPage = lazy(() => import('./help/HelpCenterPage'));

export function App() {
  const s = useSession();
  const { segments } = useLocation();
  const top = segments[0] ?? '';

  let page;
  // Emailed links work whether or not someone is signed in here (`invite`: links made before invites were emailed).
  if (top === 'accept-invite' || top === 'invite') page = <AcceptInvitePage />;
  else if (top === 'reset-password') page = <ResetPasswordPage />;
  else if (s.status === 'loading') page = <Loading label="Signing in…" />;
  else if (s.status === 'signedOut')
    page =
      top === 'signup' ? <SignUpPage /> : top === 'forgot-password' ? <ForgotPasswordPage /> : <LogInPage reason={s.reason} />;
  else page = <Shell me={s.me} />;
  return (
    <>
      {page}
      <Toasts />
    </>
  );
}

function Shell({ me }: { me: Agent }) {
  const client = session.client();
  // One inbox stream and directory per client (a new client after a password change),
  // made in an effect so that the subscription it opens is always closed again.
  const [services, setServices] = useState<AppServices | null>(null);
  useEffect(() => {
    const made = { client, inbox: createInbox(client, me.id), directory: createDirectory(client) };
    setServices(made);
    return () => made.inbox.dispose();
  }, [client, me.id]);
  if (!services || services.client !== client) return <Loading label="Signing in…" />;
  return (
    <Services.Provider value={services}>
      <SignedIn />
    </Services.Provider>
  );
}

function SignedIn() {
  const me = useMe();
  const { client } = useServices();
  const { path, segments, query } = useLocation();
  const top = segments[0] ?? '';
  useEffect(() => {
    if (top === '' || top === 'login' || top === 'signup' || top === 'forgot-password')
      navigate('inbox/unassigned', { replace: true });
    // The server's emails link to `/app/webhooks` (an endpoint was disabled): a settings section here.
    else if (top === 'webhooks') navigate(`settings/${path.replace(/^\/+/, '')}`, { replace: true });
  }, [top, path]);
  useInboxAlerts();
  usePush(client, top === 'inbox' ? query.get('accept') : null);

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="rail" aria-label="Main">
        <img className="rail-logo" src={`${import.meta.env.BASE_URL}icon.svg`} alt="Chinwag" width="32" height="32" />
        <Link
          to="inbox/unassigned"
          className={`rail-item${top === 'inbox' ? ' on' : ''}`}
          aria-current={top === 'inbox' ? 'page' : undefined}
        >
          <Icon name="inbox" size={20} />
          <span>Inbox</span>
        </Link>
        <Link
          to="visitors"
          className={`rail-item${top === 'visitors' ? ' on' : ''}`}
          aria-current={top === 'visitors' ? 'page' : undefined}
        >
          <Icon name="users" size={20} />
          <span>Visitors</span>
        </Link>
        <Link
          to="help-center"
          className={`rail-item${top === 'help-center' ? ' on' : ''}`}
          aria-current={top === 'help-center' ? 'page' : undefined}
        >
          <Icon name="book" size={20} />
          <span>Help center</span>
        </Link>
        {isAdmin(me) && (
          <Link
            to="reports"
            className={`rail-item${top === 'reports' ? ' on' : ''}`}
            aria-current={top === 'reports' ? 'page' : undefined}
          >
            <Icon name="chart" size={20} />
            <span>Reports</span>
          </Link>
        )}
        <Link
          to="settings"
          className={`rail-item${top === 'settings' || top === 'setup' ? ' on' : ''}`}
          aria-current={top === 'settings' ? 'page' : undefined}
        >
          <Icon name="settings" size={20} />
          <span>Settings</span>
        </Link>
        <div className="rail-spacer" />
        <StatusToggle />
        <button
          type="button"
          className="rail-item"
          onClick={() => void forgetDevice(client).then(() => session.logOut())}
          title={`Sign out ${me.email}`}
        >
          <Icon name="logout" size={20} />
          <span>Sign out</span>
        </button>
      </nav>
      <div className="main-col">
        <ConnectionBanner />
        <main id="main" className="main">
          {top === 'webhooks' ? (
            <Loading />
          ) : top === 'settings' || top === 'setup' ? (
            <Suspense fallback={<Loading />}>{top === 'setup' ? <SetupPage /> : <SettingsPage />}</Suspense>
          ) : top === 'reports' ? (
            isAdmin(me) ? (
              <Suspense fallback={<Loading />}>
                <ReportsPage />
              </Suspense>
            ) : (
              // A shared link, say: said plainly, and the page's code is not even loaded.
              <EmptyState icon="block" title="Reports are for owners and admins">
                <p>Only owners and admins of your organization can open them. Ask one of them for the figures you need.</p>
              </EmptyState>
            )
          ) : top === 'visitors' ? (
            <Suspense fallback={<Loading />}>
              <VisitorsPage />
            </Suspense>
          ) : top === 'help-center' ? (
            <Suspense fallback={<Loading />}>
              <HelpCenterPage />
            </Suspense>
          ) : (
            <InboxPage />
          )}
        </main>
      </div>
    </div>
  );
}

/** Online / away, saved on the server; "online" is what the widget shows visitors. */
function StatusToggle() {
  const me = useMe();
  const { client } = useServices();
  const { agents } = useDirectory();
  const [busy, setBusy] = useState(false);
  const online = me.status === 'ONLINE';
  const set = async (status: AgentStatus) => {
    setBusy(true);
    try {
      session.setMe(await client.setAgentStatus(status));
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  // A fresh sign-in starts online: that is why one opens the dashboard.
  useEffect(() => {
    if (me.status === 'OFFLINE') void set('ONLINE');
    // Once, on mount: going offline later is the agent's own choice, not to be undone.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <button
      type="button"
      className="rail-item status-toggle"
      role="switch"
      aria-checked={online}
      disabled={busy}
      onClick={() => set(online ? 'AWAY' : 'ONLINE')}
      title={online ? 'You are online: click to go away' : 'You are away: click to go online'}
    >
      <span className="status-avatar">
        <Avatar name={me.name} id={me.id} src={agents.find((a) => a.id === me.id)?.avatarUrl} />
        <span className={`presence ${online ? 'on' : 'away'}`} />
      </span>
      <span>{online ? 'Online' : 'Away'}</span>
    </button>
  );
}

/** Shown while the live connection is down; it heals by itself (the SDK reconnects). */
function ConnectionBanner() {
  const { client } = useServices();
  const state = useSyncExternalStore<ConnectionState>(client.onConnectionState, client.connectionState);
  const [wasOnline, setWasOnline] = useState(false);
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (state === 'online') {
      setWasOnline(true);
      setSlow(false);
      return;
    }
    // The first connection gets a moment before it counts as a problem.
    const t = setTimeout(() => setSlow(true), 3_000);
    return () => clearTimeout(t);
  }, [state]);
  if (state === 'online' || (!wasOnline && !slow)) return null;
  return (
    <div className="banner" role="status">
      <Icon name="wifiOff" size={16} />
      {navigator.onLine ? 'Connection lost. Reconnecting…' : 'You are offline. Reconnecting when the network is back…'} New
      messages will appear when it is back.
    </div>
  );
}

/** Desktop notifications, a chime and the tab title for new chats and messages. */
function useInboxAlerts() {
  const { inbox } = useServices();
  const me = useMe();
  const total = useSyncExternalStore(inbox.onTally, inbox.total);
  useTitle(total);
  useEffect(() => {
    const created = new Map<string, number>();
    return inbox.listen((signal) => {
      if (signal.kind !== 'event') return;
      const e = signal.event;
      if (e.__typename === 'ConversationCreated') {
        created.set(e.conversation.id, Date.now());
        const name = visitorName(e.conversation.visitor);
        chime();
        desktopNotify(`New chat from ${name}`, e.conversation.lastMessagePreview ?? '', e.conversation.id, () =>
          navigate(`inbox/unassigned/${e.conversation.id}`),
        );
      } else if (signal.assignedToMe && e.__typename === 'ConversationUpdated') {
        const c = e.conversation;
        if (location.pathname.endsWith(`/${c.id}`) && document.hasFocus()) return;
        chime();
        desktopNotify(`Assigned to you: ${visitorName(c.visitor)}`, c.lastMessagePreview ?? '', c.id, () =>
          navigate(`inbox/mine/${c.id}`),
        );
        toast(`${visitorName(c.visitor)} was assigned to you`);
      } else if (e.__typename === 'InboxMessageAdded' && e.message.senderKind === 'VISITOR') {
        // Its first message already announced the chat.
        if (Date.now() - (created.get(e.conversationId) ?? 0) < 3_000) return;
        const c = e.conversation;
        if (c.assignee && c.assignee.id !== me.id) return;
        const looking = location.pathname.endsWith(`/${c.id}`) && document.visibilityState === 'visible' && document.hasFocus();
        if (looking) return;
        chime();
        desktopNotify(visitorName(c.visitor), e.preview, c.id, () =>
          navigate(`inbox/${c.assignee ? 'mine' : 'unassigned'}/${c.id}`),
        );
      }
    });
  }, [inbox, me.id]);
}

export { isAdmin };
