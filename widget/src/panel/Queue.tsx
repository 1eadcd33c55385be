/**
 * "You are #2 in line · about 10 min": the visitor's place among the conversations
 * waiting for an agent, and about how long theirs still waits, while it waits
 * (docs/routing.md). Loaded on demand, with its text in every language, only for a
 * conversation that nobody has taken yet, so it weighs nothing on opening the chat. The
 * place comes with the conversation (`queuePosition`) and moves with the
 * `ConversationUpdated` events the server sends a waiting conversation after every
 * assignment; it is gone once an agent has the chat (then their name shows). When the
 * estimate reaches 5 minutes, it offers the reply by email (`ByEmail`).
 */
import type { LiveConversation, VisitorConversation } from '@chinwag/sdk';
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useEffect, useLayoutEffect, useReducer, useState } from './dom.js';
import { Field, FORM_TEXT, useFields, type FieldSpec } from './forms.js';
import css from './Queue.css';
import { sheet } from './lazy.js';

sheet(css);

/** The place in line, and the word before the wait ("about 10 min"). */
const TEXT: Record<Locale, [(n: number) => string, string]> = {
  en: [(n) => `You are #${n} in line`, 'about'],
  fr: [(n) => `Vous êtes n° ${n} dans la file d’attente`, 'environ'],
  es: [(n) => `Eres el n.º ${n} en la cola`, 'aprox.'],
};

/** The email option, offered when the wait is long. */
const en = {
  offer: 'Get the reply by email',
  hint: 'No need to wait here: the team’s reply will reach you by email too.',
  email: 'Your email',
  submit: 'Email me the reply',
  done: (email: string) => `We’ll also email you at ${email}.`,
};

const MAIL: Record<Locale, typeof en> = {
  en,
  fr: {
    offer: 'Recevoir la réponse par e-mail',
    hint: 'Inutile d’attendre ici : la réponse de l’équipe vous parviendra aussi par e-mail.',
    email: 'Votre e-mail',
    submit: 'M’envoyer la réponse',
    done: (email) => `Nous vous écrirons aussi à ${email}.`,
  },
  es: {
    offer: 'Recibir la respuesta por correo',
    hint: 'No hace falta esperar aquí: la respuesta del equipo también te llegará por correo.',
    email: 'Tu correo',
    submit: 'Enviarme la respuesta',
    done: (email) => `También te escribiremos a ${email}.`,
  },
};

/** From this estimate on (5 minutes), the visitor may take the reply by email instead of waiting. */
const LONG = 300;

/**
 * The estimate is asked here rather than carried by the conversation the chat holds:
 * there, every visitor's open chat would pay for it (the SDK's fragment and its events).
 */
const POSITION = 'query QueuePosition($id:ID!){conversation(id:$id){queuePosition estimatedWaitSeconds}}';
const FOLLOW_UP = 'mutation($id:ID!){followUpByEmail(conversationId:$id){id}}';

export interface QueueProps {
  core: Core;
  /** The conversation on screen, not assigned to anyone (yet). */
  live: LiveConversation<VisitorConversation>;
}

export function Queue({ core, live }: QueueProps) {
  // Follows the conversation itself (the chat passes it as it is, which costs the open
  // chat fewer bytes than its state).
  const [, bump] = useReducer((k: number) => k + 1, 0);
  useLayoutEffect(() => live.subscribe(() => bump(0)), [live]);
  const info = live.state.conversation!;
  const [n, setN] = useState(info.queuePosition);
  useEffect(() => setN(info.queuePosition), [info]);
  // The server's estimate and the place it was for: [seconds, place].
  const [wait, setWait] = useState<number[]>([]);
  // A conversation joins the line with its first stored message from the visitor. The
  // event saying so reaches a first visit only when its live connection, which starts
  // with that message, is subscribed in time; and no event carries the estimate. So the
  // chunk asks, once: then, or on showing a conversation already in line. Later moves
  // come as events (asking again after every message, as it once did, told nothing new).
  const inLine = live.state.messages.some((m) => m.senderKind === 'VISITOR' && m.status === 'sent');
  useEffect(() => {
    if (!inLine) return;
    const asked = live.state.conversation;
    core.client
      .request<{ conversation: { queuePosition: number | null; estimatedWaitSeconds: number | null } }>(POSITION, {
        id: info.id,
      })
      .then(
        ({ conversation: c }) => {
          // An event that came meanwhile is newer than this answer.
          if (live.state.conversation === asked) setN(c.queuePosition);
          if (c.estimatedWaitSeconds && c.queuePosition) setWait([c.estimatedWaitSeconds, c.queuePosition]);
        },
        () => {},
      );
    // `core` is the widget's one; `live` and `info.id` are fixed for this chat.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [inLine]);
  // The line's pace times the place (docs/routing.md), so a move scales the estimate
  // rather than asking for it again: every waiting visitor would ask after every
  // assignment. (From the server's 4 h cap, it scales down a little short.) In whole
  // minutes, as the server gives it; hours from two of them.
  const [text, about] = TEXT[core.host.locale()];
  const minutes = wait[0] && n ? Math.ceil((wait[0] * n) / (wait[1]! * 60)) : 0;
  return n ? (
    <>
      <p class="queue" role="status">
        {text(n) + (minutes ? ` · ${about} ${minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`}` : '')}
      </p>
      {minutes * 60 >= LONG && <ByEmail core={core} id={info.id} />}
    </>
  ) : null;
}

/**
 * "Get the reply by email": the visitor gives their email (`startVisitorSession` with
 * `email`, as the offline form does), then `followUpByEmail`: the team's replies in this
 * conversation are also emailed to them (an address the site did not vouch for gets a
 * link to confirm it first). The chat stays in line as before.
 */
function ByEmail({ core, id }: { core: Core; id: string }) {
  const locale = core.host.locale();
  const t = MAIL[locale];
  const [asked, setAsked] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  return done ? (
    <p class="queue-mail" role="status">
      {t.done(done)}
    </p>
  ) : asked ? (
    <MailForm core={core} id={id} t={t} onDone={setDone} />
  ) : (
    <button type="button" class="link queue-mail" onClick={() => setAsked(true)}>
      {t.offer}
    </button>
  );
}

function MailForm({ core, id, t, onDone }: { core: Core; id: string; t: typeof en; onDone(email: string): void }) {
  const ft = FORM_TEXT[core.host.locale()];
  const field: FieldSpec = { key: 'email', label: t.email, kind: 'EMAIL', required: true };
  const { values, errors, set, check, form } = useFields([field], ft);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy || !check()) return;
    setBusy(true);
    setError(null);
    const email = values.email!.trim();
    try {
      await core.client.introduce({ email });
      await core.client.request(FOLLOW_UP, { id });
      onDone(email);
    } catch (e) {
      setError(core.report(e).message);
      setBusy(false);
    }
  }

  return (
    <form class="card" ref={form} noValidate onSubmit={submit} aria-label={t.offer}>
      <p>{t.hint}</p>
      <Field
        form="follow-up"
        field={field}
        value={values.email ?? ''}
        error={errors.email}
        t={ft}
        first
        onInput={(v) => set(field, v)}
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {t.submit}
      </button>
    </form>
  );
}
