/**
 * One conversation: the greeting, the messages (live, with "Seen" and retry), the
 * team's typing indicator, the rating prompt once it is resolved, and the composer.
 * `id: null` is a conversation not started yet: it starts with the first message, so
 * opening the chat alone creates nothing on the server. A first-time visitor on a
 * website with a pre-chat form answers it first (which starts their session).
 */
import type { ChatMessage, LiveConversation, VisitorConversation, WidgetConfig } from '@chinwag/sdk';
import type { Core } from '../core.js';
import { Composer } from './Composer.js';
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type VNode } from './dom.js';
import type { Strings } from './i18n.js';
import { lazy } from './lazy.js';
import { linkify } from './text.js';

/** Loaded when a conversation is resolved: says so, with the rating prompt. */
const Resolved = lazy(() => import('./Rating.js').then((m) => m.Resolved));
/** An agent's name and avatar, a message's files: loaded with the first one shown. */
const Extras = lazy(() => import('./Files.js').then((m) => m.Extras));
/** The visitor's place in line, while nobody has the conversation yet. */
const Queue = lazy(() => import('./Queue.js').then((m) => m.Queue));
/** The bot's answer as it is written, on websites whose bot writes with a model server. */
const Draft = lazy(() => import('./Draft.js').then((m) => m.Draft));
/** Loaded for a first-time visitor on a website with a pre-chat form. */
export const PreChat = lazy(() => import('./PreChat.js').then((m) => m.PreChat));

interface ChatProps {
  core: Core;
  t: Strings;
  config: WidgetConfig;
  id: string | null;
  /** The first message of a conversation just started, to send on opening it. */
  first?: string | undefined;
  onStarted(id: string, first: string): void;
  onNew(): void;
}

/** Re-renders on every change of `conversation`. */
function useLive(conversation: LiveConversation<VisitorConversation> | null) {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  // A layout effect, so no change between the render and the subscription is missed.
  useLayoutEffect(() => conversation?.subscribe(() => bump(0)), [conversation]);
  return conversation?.state ?? null;
}

/** Whether the page is visible (a hidden tab reads nothing). */
function useVisible() {
  const [visible, set] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const on = () => set(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

export function Chat({ core, t, config, id, first, onStarted, onNew }: ChatProps) {
  const { client, isOpen } = core;
  const conversation = useMemo(() => (id ? client.openConversation(id) : null), [client, id]);
  useEffect(() => () => conversation?.close(), [conversation]);
  const state = useLive(conversation);
  const visible = useVisible();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The files on their way (their progress), from the attachments chunk.
  const [uploads, setUploads] = useState<VNode | null>(null);
  const log = useRef<HTMLDivElement>(null);
  const locale = core.host.locale();
  const { trigger } = core;
  const [answered, setAnswered] = useState(false);
  const asking = !id && !answered && !client.hasSession() && config.preChatFields.length > 0;
  // The answers are in: on to the message.
  // The host's root is fixed for the page.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void (answered && core.host.root.querySelector<HTMLElement>('.composer textarea')?.focus()), [answered]);

  useEffect(() => {
    core.viewing(id);
    return () => core.viewing(null);
    // `core` is fixed for the panel.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  useEffect(() => {
    if (conversation && first) conversation.send(first).then(core.sent, () => {});
    // The first message goes once, with the conversation it starts.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conversation]);

  // Read while it is on screen: the team sees "Seen", the badge clears.
  const messages = state?.messages ?? [];
  useEffect(() => {
    if (!conversation || !id || !isOpen || !visible || state?.loading) return;
    core.read(id);
    conversation.markRead().catch(() => {});
    // `id` comes with `conversation` (made from it); `core` is fixed for the panel.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [conversation, messages, isOpen, visible, state?.loading]);

  // Follow new messages when the visitor is at the bottom, or just wrote.
  const last = messages[messages.length - 1];
  const typing = (state?.typing ?? []).filter((e) => e.isTyping && e.senderKind !== 'VISITOR');
  useLayoutEffect(() => {
    const el = log.current!;
    // The pre-chat form reads from the top.
    if ((!asking && el.scrollHeight - el.scrollTop - el.clientHeight < 120) || last?.senderKind === 'VISITOR')
      el.scrollTop = el.scrollHeight;
    // When there is new content (a message, typing, a draft, opening, a status):
    // `asking` and the last sender decide how, not when.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [messages.length, typing.length, draft, isOpen, state?.conversation?.status]);

  async function send(text: string): Promise<boolean> {
    setError(null);
    if (conversation) {
      conversation.send(text).then(core.sent, () => {}); // a failure shows on the message, with Retry
      return true;
    }
    setDraft(text);
    try {
      // A reply to a trigger starts the conversation with it (see visit.ts, which tells
      // the core it started).
      const started = await (trigger ? trigger.start(text) : client.startConversation());
      if (!trigger) core.started(started);
      onStarted(started.id, trigger ? '' : text);
      return true;
    } catch (e) {
      setDraft(null);
      const { code } = core.report(e);
      setError(code === 'PLAN_LIMIT' ? t.tooMany : code === 'FORBIDDEN' ? t.forbidden : t.error);
      return false;
    }
  }

  // Attaching loads its chunk on first use; a file starts the conversation if need be.
  const attach = (files?: FileList) =>
    void import('./Files.js').then((m) => m.attach(files, { core, id, onStarted, show: setUploads }));

  const info = state?.conversation;
  const team = info?.assigneeName || config.websiteName;
  const readUpTo = Math.max(0, ...(state?.readReceipts ?? []).filter((r) => r.readerKind !== 'VISITOR').map((r) => r.seq));
  const seen = [...messages].reverse().find((m) => m.senderKind === 'VISITOR' && m.status === 'sent' && m.seq <= readUpTo);
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });

  return (
    <>
      <div class="log" role="log" aria-label={t.messages} ref={log} tabIndex={-1}>
        {state?.hasOlder && (
          <button type="button" class="link older" onClick={() => conversation!.loadOlder().catch(() => {})}>
            {t.earlier}
          </button>
        )}
        <div class="row them">
          <div class="bubble">{config.appearance.greeting}</div>
        </div>
        {!conversation && trigger && <Message m={trigger.m} t={t} team={team} time={time} seen={false} onRetry={onNew} />}
        {messages.map((m) => (
          <Message
            key={m.key}
            m={m}
            t={t}
            team={team}
            time={time}
            seen={m === seen}
            onRetry={() => conversation!.retry(m.key).then(core.sent, () => {})}
          />
        ))}
        {config.answerDrafts && id && <Draft core={core} id={id} last={last?.key} />}
        {draft && !conversation && (
          <Message m={pendingDraft(draft)} t={t} team={team} time={time} seen={false} onRetry={() => {}} />
        )}
        {uploads}
        {asking && <PreChat core={core} config={config} onDone={() => setAnswered(true)} />}
        {state?.loading && <p class="note">{t.loading}</p>}
        {info?.assigneeName === null && <Queue core={core} live={conversation!} />}
        {info?.status === 'RESOLVED' && (
          <Resolved
            t={t}
            locale={locale}
            id={info.id}
            rating={info.rating}
            onRate={(n, comment) => client.rateConversation(info.id, n, comment)}
            onNew={onNew}
          />
        )}
      </div>
      <p class="typing" role="status">
        {typing.length > 0 && (
          <>
            <span class="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {t.typing(typing[0]!.senderKind === 'AGENT' ? team : config.websiteName)}
          </>
        )}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!asking && (
        <Composer
          t={t}
          onSend={send}
          onFiles={attach}
          suggest={!id && !draft && core.host.config.hasArticles}
          onTyping={(on) => (on ? conversation?.typing() : conversation?.stopTyping())}
        />
      )}
    </>
  );
}

/** The first message while its conversation is being started. */
const pendingDraft = (body: string): ChatMessage =>
  ({
    key: 'draft',
    id: 'draft',
    body,
    senderKind: 'VISITOR',
    status: 'sending',
    createdAt: new Date().toISOString(),
  }) as ChatMessage;

interface MessageProps {
  m: ChatMessage;
  t: Strings;
  team: string;
  time: Intl.DateTimeFormat;
  seen: boolean;
  onRetry(): void;
}

function Message({ m, t, team, time, seen, onRetry }: MessageProps) {
  if (m.senderKind === 'SYSTEM') return <p class="note">{m.body}</p>;
  const mine = m.senderKind === 'VISITOR';
  return (
    <div class={`row ${mine ? 'me' : 'them'}${m.status === 'failed' ? ' failed' : ''}`}>
      {(m.senderName || m.attachments?.[0]) && <Extras m={m} />}
      {m.body && (
        <div class="bubble">
          <span class="sr">{mine ? t.you : m.senderName || team}: </span>
          {linkify(m.body)}
        </div>
      )}
      <div class="meta">
        {m.status === 'sending' ? (
          t.sending
        ) : m.status === 'failed' ? (
          <>
            {t.failed}{' '}
            <button type="button" class="link" onClick={onRetry}>
              {t.retry}
            </button>
          </>
        ) : (
          <time dateTime={m.createdAt}>{time.format(new Date(m.createdAt))}</time>
        )}
        {seen && <span class="seen"> · {t.seen}</span>}
      </div>
    </div>
  );
}
