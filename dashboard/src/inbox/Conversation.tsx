/**
 * One conversation, live: header with the actions (assign, transfer, pending, resolve,
 * reopen), its place in line and estimated wait while it waits, its SLA badge and its
 * priority (which an agent sets), the messages with typing and "Seen" (under a bot
 * answer, how it went: botAnswers.tsx; beside a visitor's, its language and mood:
 * signals.tsx; the bot's answer while it is written: AnswerDraft.tsx), and the composer. The Transfer dialog is Transfer.tsx.
 * The SDK's `LiveConversation` holds the state (history, optimistic sends, resume after a
 * drop).
 */
import type { AgentConversation, ChatMessage, ConversationState, LiveConversation, Priority } from '@chinwag/sdk';
import {
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { ConversationExtrasDocument, type Attachment, type BotAnswerOutcome } from '../api';
import { useDirectory, useServices } from '../directory';
import { useMe } from '../session';
import { Badge, Button, ErrorState, IconButton, Loading, Toolbar, errorMessage, toast, useLoad, type ToolbarAction } from '../ui';
import { AnswerDraft } from './AnswerDraft';
import { Attachments, useAttachments } from './attachments';
import { BotAnswerLine, useBotAnswers } from './botAnswers';
import { Composer, type ComposerHandle } from './Composer';
import { HeldEmails } from './HeldEmails';
import { OfflineMark, QueuePlace } from './Queue';
import { openQuestion } from './Suggestions';
import { PRIORITIES, visitorName, when } from './format';
import { SignalMarks, useMessageSignals, type MessageSignal } from './signals';
import { SlaBadge, fresher } from './sla';
import { TransferDialog } from './Transfer';
import { VisitorPanel } from './VisitorPanel';

export interface ConversationHandle {
  focusReply(): void;
  focusNote(): void;
  assignToMe(): void;
  transfer(): void;
  toggleResolved(): void;
  setPending(): void;
}

const EMPTY: ConversationState<AgentConversation> = {
  conversation: null,
  messages: [],
  typing: [],
  readReceipts: [],
  hasOlder: false,
  loading: true,
  error: null,
};

/**
 * The conversation, live; opened again when `generation` grows (its visitor's data was
 * erased: the history changed under it). A reopening takes over once loaded, so the
 * thread and the visitor panel stay on screen meanwhile; `shown` is the generation on screen.
 */
function useLive(id: string, generation: number) {
  const { client } = useServices();
  const [opened, setOpened] = useState<{ live: LiveConversation<AgentConversation>; generation: number } | null>(null);
  useEffect(() => {
    const l = client.openConversation(id);
    if (!generation) {
      setOpened({ live: l, generation });
      return () => l.close();
    }
    const off = l.subscribe((s) => {
      if (s.loading) return;
      off();
      setOpened({ live: l, generation });
    });
    return () => {
      off();
      l.close();
    };
  }, [client, id, generation]);
  const live = opened?.live ?? null;
  const subscribe = useCallback((cb: () => void) => (live ? live.subscribe(cb) : () => {}), [live]);
  const state = useSyncExternalStore(subscribe, () => live?.state ?? EMPTY);
  return { live, state, shown: opened?.generation ?? 0 };
}

export const Conversation = forwardRef<
  ConversationHandle,
  { id: string; onBack(): void; sidebarOpen: boolean; onToggleSidebar(): void }
>(function Conversation({ id, onBack, sidebarOpen, onToggleSidebar }, ref) {
  const { client, inbox } = useServices();
  const me = useMe();
  const [generation, setGeneration] = useState(0);
  const { live, state, shown } = useLive(id, generation);
  const composer = useRef<ComposerHandle>(null);
  const [transferOpen, setTransferOpen] = useState(false);
  const c = state.conversation;
  // Whether it was left offline (fixed at its start; the SDK's conversation leaves it out).
  const extras = useLoad(async () => (await client.request(ConversationExtrasDocument, { id })).conversation, [client, id]);
  const offline = extras.data?.id === id && extras.data.isOffline;
  const inboxCopy = useInboxCopy(id);

  // Read what is on screen while the window has focus.
  useEffect(() => {
    if (!live || !state.messages.length) return;
    const read = () => {
      if (document.visibilityState !== 'visible' || !document.hasFocus()) return;
      live.markRead().then(
        () => inbox.markedRead(id),
        () => {},
      );
    };
    read();
    addEventListener('focus', read);
    document.addEventListener('visibilitychange', read);
    return () => {
      removeEventListener('focus', read);
      document.removeEventListener('visibilitychange', read);
    };
  }, [live, state.messages, inbox, id]);

  async function act(what: () => Promise<unknown>, done: string) {
    try {
      await what();
      toast(done);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }
  const assignToMe = () =>
    c &&
    c.assignee?.id !== me.id &&
    act(() => client.assignConversation(id, { agentId: me.id, departmentId: c.department?.id ?? null }), 'Assigned to you');
  const toggleResolved = () =>
    c &&
    act(
      () => client.setConversationStatus(id, c.status === 'RESOLVED' ? 'OPEN' : 'RESOLVED'),
      c.status === 'RESOLVED' ? 'Reopened' : 'Resolved',
    );
  const setPending = () =>
    c && c.status !== 'PENDING' && act(() => client.setConversationStatus(id, 'PENDING'), 'Set to pending');

  useImperativeHandle(ref, () => ({
    focusReply: () => composer.current?.focus('reply'),
    focusNote: () => composer.current?.focus('note'),
    assignToMe,
    transfer: () => setTransferOpen(true),
    toggleResolved,
    setPending,
  }));

  if (state.error && !c) return <ErrorState error={state.error} />;
  if (!live || state.loading || !c) return <Loading label="Loading conversation…" />;

  const name = visitorName(c.visitor);
  // The server notes each email it holds with a SYSTEM message: a new one means a look at the held ones.
  const lastSystemMessage =
    [...state.messages].reverse().find((m) => m.senderKind === 'SYSTEM' && m.status === 'sent')?.id ?? null;
  // In the order shown; on a narrow screen the lowest `keep` go into "More actions" first.
  const actions: ToolbarAction[] = [
    ...(c.assignee?.id !== me.id
      ? [{ key: 'assign', label: 'Assign to me', title: 'Assign to me (a)', keep: 2, onSelect: assignToMe }]
      : []),
    { key: 'transfer', label: 'Transfer', icon: 'transfer', title: 'Transfer (t)', onSelect: () => setTransferOpen(true) },
    ...(c.status === 'OPEN'
      ? [{ key: 'pending', label: 'Pending', title: 'Waiting on the visitor (p)', keep: 1, onSelect: setPending }]
      : []),
    {
      key: 'resolve',
      label: c.status === 'RESOLVED' ? 'Reopen' : 'Resolve',
      icon: 'check',
      variant: c.status === 'RESOLVED' ? 'secondary' : 'primary',
      title: 'Resolve or reopen (e)',
      keep: 4,
      onSelect: toggleResolved,
    },
    {
      key: 'details',
      label: sidebarOpen ? 'Hide visitor details' : 'Show visitor details',
      menuLabel: 'Visitor details',
      icon: 'info',
      iconOnly: true,
      title: `${sidebarOpen ? 'Hide' : 'Show'} visitor details (i)`,
      pressed: sidebarOpen,
      keep: 3,
      onSelect: onToggleSidebar,
    },
  ];
  return (
    <div className="conv-wrap">
      <section className="conversation" aria-label={`Conversation with ${name}`}>
        <header className="conv-head">
          <IconButton icon="back" label="Back to the list" className="only-phone" onClick={onBack} />
          <div className="conv-title" data-shrink="">
            <h2>{name}</h2>
            <p className="muted">
              {/* The select first: the line ellipsizes at its end on a phone, and it must stay usable. */}
              <PrioritySelect conversation={c} /> <StatusBadge status={c.status} />
              <SlaBadge conversation={fresher(c, inboxCopy)} /> {offline && <OfflineMark long />}{' '}
              {c.assigneeName ? `Assigned to ${c.assigneeName}` : 'Unassigned'}
              {c.department && ` · ${c.department.name}`}{' '}
              {c.queuePosition != null && !c.assignee && <QueuePlace n={c.queuePosition} wait={c.estimatedWaitSeconds} />}
              {c.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))}
            </p>
          </div>
          <Toolbar label="Conversation actions" className="conv-actions" actions={actions} />
        </header>
        <HeldEmails conversationId={id} lastSystemMessage={lastSystemMessage} />
        {/* A new generation's messages start afresh: what they knew of the erased ones is stale. */}
        <Messages key={shown} id={id} state={state} live={live} />
        <Composer
          ref={composer}
          live={live}
          conversationId={id}
          emailTo={offline ? (c.visitor.email ?? 'the visitor') : null}
          question={openQuestion(state.messages)}
        />
        <TransferDialog open={transferOpen} conversation={c} onClose={() => setTransferOpen(false)} />
      </section>
      {sidebarOpen && (
        <VisitorPanel
          conversation={c}
          onClose={onToggleSidebar}
          onErased={(erasure) => {
            if (erasure.mode !== 'DELETE') setGeneration((g) => g + 1);
            else if (erasure.receipt.conversations) {
              // This conversation went with the visitor.
              toast('Their conversations were deleted');
              onBack();
            }
          }}
        />
      )}
    </div>
  );
});

/**
 * The conversation as the inbox last heard of it: SLA due times are set, and targets
 * become near or due, with an event to the inbox only (not to the conversation's own
 * stream).
 */
function useInboxCopy(id: string) {
  const { inbox } = useServices();
  const [copy, setCopy] = useState<AgentConversation | null>(null);
  useEffect(
    () =>
      inbox.listen((s) => {
        if (s.kind === 'event' && 'conversation' in s.event && s.event.conversation.id === id) setCopy(s.event.conversation);
      }),
    [inbox, id],
  );
  return copy;
}

/**
 * Sets the conversation's priority: higher ones are served first from the queue. Its
 * options are one word ("Normal", not "Normal priority"), so that it fits whole in the
 * header's one row on a phone (the title keeps 7rem there).
 */
function PrioritySelect({ conversation }: { conversation: AgentConversation }) {
  const { client } = useServices();
  const [busy, setBusy] = useState(false);
  return (
    <select
      className="input priority-select"
      aria-label="Priority"
      title="Higher priorities are served first from the queue"
      value={conversation.priority}
      disabled={busy}
      onChange={async (e) => {
        setBusy(true);
        try {
          // The live conversation hears of the change (ConversationUpdated) and re-renders.
          await client.setConversationPriority(conversation.id, e.target.value as Priority);
          toast(`${PRIORITIES.find((p) => p.value === e.target.value)!.label} priority`);
        } catch (err) {
          toast(errorMessage(err), 'error');
        } finally {
          setBusy(false);
        }
      }}
    >
      {PRIORITIES.map((p) => (
        <option key={p.value} value={p.value}>
          {p.label}
        </option>
      ))}
    </select>
  );
}

export function StatusBadge({ status }: { status: AgentConversation['status'] }) {
  const tone = status === 'OPEN' ? 'ok' : status === 'PENDING' ? 'warn' : 'neutral';
  return <Badge tone={tone}>{status.toLowerCase()}</Badge>;
}

function Messages({
  id,
  state,
  live,
}: {
  id: string;
  state: ConversationState<AgentConversation>;
  live: LiveConversation<AgentConversation>;
}) {
  const { client, directory } = useServices();
  const me = useMe();
  const { agentName } = directory;
  const files = useAttachments(client, id, state.messages);
  const botAnswers = useBotAnswers(client, id, state.messages, state.conversation?.status);
  const signals = useMessageSignals(client, id, state.messages);
  useDirectory(); // re-render when names arrive
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const visitorSeen = Math.max(0, ...state.readReceipts.filter((r) => r.readerKind === 'VISITOR').map((r) => r.seq));
  const lastSeenMine = [...state.messages]
    .reverse()
    .find((m) => m.senderKind !== 'VISITOR' && !m.isPrivate && m.status === 'sent' && m.seq <= visitorSeen);

  // The thread opens at the first message someone else sent since this agent last read
  // it (fixed at opening: reading it moves the receipt at once), else at the end.
  const [firstUnread] = useState(() => {
    const read = state.readReceipts.find((r) => r.readerKind === 'AGENT' && r.readerId === me.id)?.seq ?? 0;
    return (
      state.messages.find((m) => m.status === 'sent' && m.seq > read && !(m.senderKind === 'AGENT' && m.senderId === me.id))
        ?.key ?? null
    );
  });
  const opened = useRef(false);

  // Follow new messages when already at the bottom; keep the place when reading back.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (!opened.current) {
      opened.current = true;
      const first = firstUnread && el.querySelector(`[data-key="${CSS.escape(firstUnread)}"]`);
      if (first) {
        // Its top just under the toolbar, with the "New" line above it in view; the
        // browser stops at the end when the rest is shorter than the view.
        const mark = first.previousElementSibling?.classList.contains('unread-mark') ? first.previousElementSibling : first;
        el.scrollTop += mark.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        return;
      }
    }
    if (stick.current) el.scrollTop = el.scrollHeight;
  }, [state.messages, state.typing, files, firstUnread]);

  const follow = useCallback(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, []);

  const typingNames = state.typing
    .filter((t) => t.isTyping)
    .map((t) => (t.senderKind === 'VISITOR' ? 'The visitor' : (agentName(t.senderId) ?? 'A teammate')));

  return (
    <div
      className="messages"
      ref={box}
      // Scrollable by keyboard too, when no link or button inside takes the focus.
      tabIndex={0}
      role="group"
      aria-label="Thread"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {state.hasOlder && (
        <div className="older">
          <Button
            size="sm"
            busy={loadingOlder}
            onClick={async () => {
              setLoadingOlder(true);
              const el = box.current!;
              const from = el.scrollHeight - el.scrollTop;
              try {
                await live.loadOlder();
                requestAnimationFrame(() => (el.scrollTop = el.scrollHeight - from));
              } catch (e) {
                toast(errorMessage(e), 'error');
              } finally {
                setLoadingOlder(false);
              }
            }}
          >
            Load earlier messages
          </Button>
        </div>
      )}
      <ol className="message-list" aria-label="Messages" aria-live="polite" aria-relevant="additions">
        {state.messages.map((m, i) => [
          m.key === firstUnread && i > 0 && (
            <li key="unread-mark" className="unread-mark" aria-hidden="true">
              <span>New</span>
            </li>
          ),
          <MessageItem
            key={m.key}
            m={m}
            firstUnread={m.key === firstUnread}
            author={author(m, agentName)}
            signal={m.senderKind === 'VISITOR' ? signals?.get(m.id) : undefined}
            seen={m === lastSeenMine}
            botAnswer={m.status === 'sent' && botAnswers.has(m.id) ? { outcome: botAnswers.get(m.id) ?? null } : undefined}
            files={m.status === 'sent' ? files.get(m.id) : undefined}
            onImage={follow}
            onRetry={() => live.retry(m.key).catch(() => {})}
          />,
        ])}
        <AnswerDraft conversationId={id} last={state.messages.at(-1)?.key} onGrow={follow} />
      </ol>
      <p className="typing" aria-live="polite">
        {typingNames.length ? `${typingNames.join(', ')} ${typingNames.length > 1 ? 'are' : 'is'} typing…` : ''}
      </p>
    </div>
  );
}

function author(m: ChatMessage, agentName: (id: string | null) => string | null) {
  if (m.senderKind === 'VISITOR') return 'Visitor';
  // The name the server gives it (the answer bot's is set per website), else 'Bot'.
  if (m.senderKind === 'BOT') return m.senderName ?? 'Bot';
  if (m.senderKind === 'SYSTEM') return 'Chinwag';
  return agentName(m.senderId) ?? 'Agent';
}

function MessageItem({
  m,
  firstUnread,
  author,
  signal,
  seen,
  botAnswer,
  files,
  onImage,
  onRetry,
}: {
  m: ChatMessage;
  /** The first message this agent had not read when the thread opened. */
  firstUnread: boolean;
  author: string;
  /** A visitor message's language and sentiment, once known. */
  signal?: MessageSignal;
  seen: boolean;
  /** When it is one of the answer bot's answers: what the visitor made of it. */
  botAnswer?: { outcome: BotAnswerOutcome | null };
  files: readonly Attachment[] | undefined;
  onImage(): void;
  onRetry(): void;
}) {
  const side = m.senderKind === 'VISITOR' ? 'theirs' : m.senderKind === 'SYSTEM' ? 'system' : 'ours';
  return (
    <li className={`msg msg-${side}${m.isPrivate ? ' msg-note' : ''}`} data-status={m.status} data-key={m.key}>
      <div className="msg-meta">
        <span>
          {firstUnread && <span className="sr-only">New: </span>}
          {m.isPrivate ? `${author} · private note` : author}
          <SignalMarks signal={signal} />
        </span>
        <time dateTime={m.createdAt}>{when(m.createdAt)}</time>
      </div>
      {(m.body || !files?.length) && <div className="msg-body">{m.body}</div>}
      {files && <Attachments files={files} onLoad={onImage} />}
      {m.status === 'sending' && <div className="msg-state">Sending…</div>}
      {m.status === 'failed' && (
        <div className="msg-state msg-failed" role="alert">
          Not sent.{' '}
          <Button size="sm" variant="ghost" onClick={onRetry}>
            Retry
          </Button>
        </div>
      )}
      {botAnswer && <BotAnswerLine outcome={botAnswer.outcome} />}
      {seen && <div className="msg-state">Seen</div>}
    </li>
  );
}
