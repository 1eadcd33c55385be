/**
 * "Email me the transcript": a small form in the panel's footer that emails the visitor
 * the conversation (`sendTranscript`), to the address they type, filled in with their
 * own when the team knows it. Loaded on first use.
 */
import type { Core } from '../core.js';
import type { Locale } from '../host.js';
import { useEffect, useLayoutEffect, useRef, useState } from './dom.js';
import { EMAIL, FORM_TEXT } from './forms.js';
import { sheet } from './lazy.js';
import css from './Transcript.css';

sheet(css);

/**
 * `SendTranscriptDocument` of `@chinwag/sdk`, written out: importing it here would make
 * the SDK's documents a chunk shared with the core.
 */
const SEND_TRANSCRIPT = 'mutation SendTranscript($id:ID!$email:String){sendTranscript(conversationId:$id email:$email)}';

const en = {
  label: 'Send the transcript to',
  send: 'Send',
  cancel: 'Cancel',
  sent: (email: string) => `Sent to ${email}. If the email asks, confirm the address to get the transcript.`,
  later: 'Transcripts are limited to a few an hour. Please try again later.',
  error: 'The transcript could not be sent. Please try again.',
};

const TEXT: Record<Locale, typeof en> = {
  en,
  fr: {
    label: 'Envoyer la transcription à',
    send: 'Envoyer',
    cancel: 'Annuler',
    sent: (email) => `Envoyé à ${email}. Si l’e-mail le demande, confirmez l’adresse pour recevoir la transcription.`,
    later: 'Les transcriptions sont limitées à quelques-unes par heure. Veuillez réessayer plus tard.',
    error: 'La transcription n’a pas pu être envoyée. Veuillez réessayer.',
  },
  es: {
    label: 'Enviar la transcripción a',
    send: 'Enviar',
    cancel: 'Cancelar',
    sent: (email) => `Enviado a ${email}. Si el correo lo pide, confirma la dirección para recibir la transcripción.`,
    later: 'Solo se pueden enviar unas pocas transcripciones por hora. Inténtalo más tarde.',
    error: 'No se ha podido enviar la transcripción. Inténtalo de nuevo.',
  },
};

export interface TranscriptProps {
  core: Core;
  conversationId: string;
  /** Closes the form (the focus goes back to the footer's "Email me the transcript"). */
  onClose(): void;
}

export function Transcript({ core, conversationId, onClose }: TranscriptProps) {
  const locale = core.host.locale();
  const t = TEXT[locale];
  const [email, setEmail] = useState('');
  const [status, setStatus] = useState<'idle' | 'busy' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const done = useRef<HTMLParagraphElement>(null);
  const close = () => {
    input.current?.closest('footer')?.querySelector<HTMLElement>('.link')?.focus();
    onClose();
  };

  useLayoutEffect(() => input.current?.focus(), []);
  useLayoutEffect(() => void (status === 'sent' && done.current?.focus()), [status]);
  // The visitor's own address, when the team has it (a pre-chat form, an offline message).
  useEffect(() => {
    core.client.visitor().then(
      (v) => v.email && setEmail((typed) => typed || v.email!),
      () => {},
    );
    // Once, when the form opens; the client is fixed for the panel.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    const to = email.trim();
    if (!EMAIL.test(to)) {
      setError(FORM_TEXT[locale].badEmail);
      input.current?.focus();
      return;
    }
    setStatus('busy');
    setError(null);
    try {
      await core.client.request(SEND_TRANSCRIPT, { id: conversationId, email: to });
      setStatus('sent');
    } catch (e) {
      const { code } = core.report(e);
      setError(code === 'RATE_LIMITED' ? t.later : t.error);
      setStatus('idle');
    }
  }

  if (status === 'sent') {
    return (
      <p class="transcript" role="status" tabIndex={-1} ref={done}>
        {t.sent(email.trim())}
      </p>
    );
  }
  return (
    <form
      class="transcript"
      noValidate
      onSubmit={submit}
      onKeyDown={(e) => {
        // Escape closes this form, not the chat.
        if (e.key !== 'Escape') return;
        e.stopPropagation();
        close();
      }}
    >
      <label for="cw-transcript">{t.label}</label>
      <div class="transcript-row">
        <input
          id="cw-transcript"
          ref={input}
          type="email"
          autocomplete="email"
          maxLength={254}
          required
          aria-invalid={!!error}
          aria-describedby={error ? 'cw-transcript-error' : undefined}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={status === 'busy'}>
          {t.send}
        </button>
        <button type="button" class="link" onClick={close}>
          {t.cancel}
        </button>
      </div>
      {error && (
        <p id="cw-transcript-error" class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
