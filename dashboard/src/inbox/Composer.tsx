/**
 * The reply box: reply or private note (visually distinct), Enter to send and
 * Shift+Enter for a new line, emoji, and canned responses by typing `/` and a shortcut
 * (arrows to choose, Enter or Tab to insert, Escape to dismiss). Files come by the
 * paperclip, drag-and-drop or paste: each uploads at once with its progress, and goes
 * with the next reply or note (which may then have no text). Reply suggestions show above
 * it (Suggestions.tsx).
 */
import type { CannedResponse, LiveConversation, AgentConversation } from '@chinwag/sdk';
import { forwardRef, useEffect, useId, useImperativeHandle, useRef, useState } from 'react';
import { SendMessageWithFilesDocument, type UploadedFile } from '../api';
import { useDirectory, useServices } from '../directory';
import { features } from '../features';
import { Icon, IconButton, errorMessage, toast } from '../ui';
import { UploadError, formatSize, uploadFile, type Upload } from './attachments';
import { Suggestions } from './Suggestions';

/** A file in the composer: uploading, uploaded, or failed. */
interface PendingFile {
  key: string;
  file: File;
  progress: number;
  uploaded?: UploadedFile;
  error?: string;
  /** Refused for good (too large): no Retry. */
  final?: boolean;
  upload?: Upload;
  /** An object URL for an image's thumbnail. */
  preview?: string;
}

let fileKey = 0;

const EMOJI = [
  '😀',
  '😊',
  '😂',
  '🙂',
  '😉',
  '😍',
  '🤔',
  '😅',
  '😢',
  '😮',
  '👍',
  '👎',
  '👋',
  '🙏',
  '👏',
  '💪',
  '🎉',
  '✨',
  '❤️',
  '🔥',
  '✅',
  '❌',
  '⭐',
  '📦',
  '🚚',
  '💳',
  '📧',
  '📞',
  '⏰',
  '🔒',
];

export interface ComposerHandle {
  focus(mode?: 'reply' | 'note'): void;
}

/** The `/shortcut` being typed just before the caret, if any. */
function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = text.slice(0, caret).match(/(^|\s)\/([\w-]*)$/);
  return m ? { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() } : null;
}

export const Composer = forwardRef<
  ComposerHandle,
  {
    live: LiveConversation<AgentConversation>;
    conversationId: string;
    /** An offline conversation: where public replies are emailed (the visitor is not in the chat). */
    emailTo?: string | null;
    /** The visitor's latest message the team has not answered yet, for reply suggestions. */
    question?: string | null;
  }
>(function Composer({ live, conversationId, emailTo, question = null }, ref) {
  const { canned } = useDirectory();
  const { client } = useServices();
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [dragging, setDragging] = useState(false);
  const [sending, setSending] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const filesRef = useRef(files);
  filesRef.current = files;
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [slash, setSlash] = useState<{ start: number; query: string } | null>(null);
  const [pick, setPick] = useState(0);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();

  useImperativeHandle(ref, () => ({
    focus(m) {
      if (m) setMode(m);
      area.current?.focus();
    },
  }));

  // A fresh box for each conversation.
  useEffect(() => {
    setText('');
    setSlash(null);
    setMode('reply');
    return () => {
      for (const f of filesRef.current) dropFile(f);
      setFiles([]);
    };
  }, [live]);

  const update = (key: string, change: Partial<PendingFile>) =>
    setFiles((list) => list.map((f) => (f.key === key ? { ...f, ...change } : f)));

  function dropFile(f: PendingFile) {
    f.upload?.abort();
    if (f.preview) URL.revokeObjectURL(f.preview);
  }

  function remove(key: string) {
    const f = filesRef.current.find((x) => x.key === key);
    if (f) dropFile(f);
    setFiles((list) => list.filter((x) => x.key !== key));
    area.current?.focus();
  }

  /** Uploads one file, once more with a fresh token if the first was refused as expired. */
  async function start(p: PendingFile, again = false) {
    const up = uploadFile(client.session?.accessToken ?? '', conversationId, p.file, (progress) => update(p.key, { progress }));
    update(p.key, { upload: up, error: undefined, progress: 0 });
    try {
      const uploaded = await up.promise;
      update(p.key, { uploaded, upload: undefined, progress: 1 });
    } catch (e) {
      if (e instanceof UploadError && e.code === 'ABORTED') return;
      if (e instanceof UploadError && e.status === 401 && !again) {
        // The SDK refreshes the session on a refused request.
        await client.me().catch(() => {});
        return start(p, true);
      }
      update(p.key, {
        upload: undefined,
        error: e instanceof Error ? e.message : String(e),
        final: e instanceof UploadError && e.status === 413,
      });
    }
  }

  function addFiles(list: FileList | File[]) {
    if (!features.attachments) return;
    const added = Array.from(list).map<PendingFile>((file) => ({
      key: `f${++fileKey}`,
      file,
      progress: 0,
      preview: /^image\/(png|jpeg|gif|webp)$/.test(file.type) ? URL.createObjectURL(file) : undefined,
    }));
    if (!added.length) return;
    setFiles((l) => [...l, ...added]);
    added.forEach((p) => void start(p));
  }

  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [text]);

  const matches: CannedResponse[] = slash
    ? canned
        .filter((c) => c.shortcut.toLowerCase().startsWith(slash.query) || c.title.toLowerCase().includes(slash.query))
        .slice(0, 8)
    : [];
  const showCanned = slash !== null && matches.length > 0;

  function insert(snippet: string, from?: number, to?: number) {
    const el = area.current!;
    const start = from ?? el.selectionStart;
    const end = to ?? el.selectionEnd;
    const next = text.slice(0, start) + snippet + text.slice(end);
    setText(next);
    setSlash(null);
    // Focus at once (an emoji button that closes its menu would otherwise leave it
    // on the page, and an Enter pressed right away would not send); the caret once
    // React has rendered the new text.
    el.focus();
    requestAnimationFrame(() => {
      el.focus();
      el.selectionStart = el.selectionEnd = start + snippet.length;
    });
  }

  function choose(c: CannedResponse) {
    const caret = area.current!.selectionStart;
    insert(c.body, slash!.start, caret);
  }

  const uploading = files.some((f) => !f.uploaded && !f.error);
  const ready = files.filter((f) => f.uploaded);
  const canSend = !sending && !uploading && (text.trim() !== '' || ready.length > 0);

  async function sendWithFiles(body: string) {
    setSending(true);
    live.stopTyping();
    try {
      await client.request(SendMessageWithFilesDocument, {
        input: {
          conversationId,
          body,
          isPrivate: mode === 'note',
          attachmentIds: ready.map((f) => f.uploaded!.id),
          clientMessageId: `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
        },
      });
      setText('');
      setSlash(null);
      for (const f of ready) dropFile(f);
      setFiles((list) => list.filter((f) => !ready.includes(f)));
    } catch (e) {
      toast(`The message could not be sent: ${errorMessage(e)}`, 'error');
    } finally {
      setSending(false);
    }
  }

  function send() {
    const body = text.trim();
    if (!canSend) return;
    if (ready.length) return void sendWithFiles(body);
    if (!body) return;
    setText('');
    setSlash(null);
    live.stopTyping();
    live
      .send(body, { isPrivate: mode === 'note' })
      .catch(() => toast('The message could not be sent: use Retry on it.', 'error'));
  }

  return (
    <div
      className={`composer composer-${mode}${dragging ? ' composer-drop' : ''}`}
      onDragOver={(e) => {
        if (!features.attachments || !e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e) => {
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        setDragging(false);
        addFiles(e.dataTransfer.files);
      }}
    >
      {mode === 'reply' && (
        <Suggestions
          key={conversationId}
          conversationId={conversationId}
          question={question}
          writing={text.trim() !== ''}
          onInsert={(snippet) => insert(snippet)}
        />
      )}
      <div className="composer-tabs" role="radiogroup" aria-label="Message type">
        <button type="button" role="radio" aria-checked={mode === 'reply'} onClick={() => setMode('reply')}>
          Reply
        </button>
        <button type="button" role="radio" aria-checked={mode === 'note'} onClick={() => setMode('note')}>
          <Icon name="note" size={14} /> Private note
        </button>
        <span className="composer-hint">{mode === 'note' ? 'Only your team sees notes' : 'Type / for saved replies'}</span>
      </div>
      {emailTo && mode === 'reply' && (
        <p className="composer-notice" role="note">
          <Icon name="mail" size={14} />
          <span>
            They left this message while nobody was available: your reply is emailed to <strong>{emailTo}</strong>.
          </span>
        </p>
      )}
      {dragging && <p className="composer-dropzone">Drop files to attach them</p>}
      {files.length > 0 && (
        <ul className="composer-files" aria-label="Files to send">
          {files.map((f) => (
            <li key={f.key} className={f.error ? 'file-failed' : f.uploaded ? 'file-ready' : 'file-uploading'}>
              {f.preview ? <img src={f.preview} alt="" /> : <Icon name="clip" size={16} />}
              <span className="file-name">{f.file.name}</span>
              <small>{formatSize(f.file.size)}</small>
              {!f.uploaded && !f.error && (
                <progress max={1} value={f.progress} aria-label={`Uploading ${f.file.name}`}>
                  {Math.round(f.progress * 100)}%
                </progress>
              )}
              {f.uploaded && <span className="file-state">Ready</span>}
              {f.error && (
                <span className="file-state" role="alert">
                  Not uploaded: {f.error}.{' '}
                  {!f.final && (
                    <button type="button" className="link-btn" onClick={() => void start(f)}>
                      Retry
                    </button>
                  )}
                </span>
              )}
              <IconButton icon="close" label={`Remove ${f.file.name}`} onClick={() => remove(f.key)} />
            </li>
          ))}
        </ul>
      )}
      {showCanned && (
        <ul className="canned-menu" id={listId} role="listbox" aria-label="Saved replies">
          {matches.map((c, i) => (
            <li
              key={c.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === pick}
              className={i === pick ? 'on' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(c);
              }}
            >
              <strong>/{c.shortcut}</strong> <span>{c.title}</span>
              <small>{c.body}</small>
            </li>
          ))}
        </ul>
      )}
      {emojiOpen && (
        <div className="emoji-menu" role="group" aria-label="Emoji">
          {EMOJI.map((e) => (
            <button
              type="button"
              key={e}
              aria-label={`Insert ${e}`}
              onClick={() => {
                insert(e);
                setEmojiOpen(false);
              }}
            >
              {e}
            </button>
          ))}
        </div>
      )}
      <div className="composer-row">
        <IconButton icon="smile" label="Emoji" aria-expanded={emojiOpen} onClick={() => setEmojiOpen((o) => !o)} />
        {features.attachments && (
          <>
            <IconButton icon="clip" label="Attach files" onClick={() => picker.current?.click()} />
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              aria-hidden="true"
              tabIndex={-1}
              onChange={(e) => {
                if (e.target.files) addFiles(e.target.files);
                e.target.value = '';
              }}
            />
          </>
        )}
        <textarea
          ref={area}
          className="composer-input"
          rows={1}
          value={text}
          placeholder={mode === 'note' ? 'Write a private note…' : emailTo ? 'Write a reply, sent by email…' : 'Write a reply…'}
          aria-label={mode === 'note' ? 'Private note' : 'Reply'}
          aria-controls={showCanned ? listId : undefined}
          aria-activedescendant={showCanned ? `${listId}-${pick}` : undefined}
          aria-autocomplete="list"
          onChange={(e) => {
            setText(e.target.value);
            const q = slashQuery(e.target.value, e.target.selectionStart);
            setSlash(q);
            setPick(0);
            if (e.target.value.trim()) live.typing({ isPrivate: mode === 'note' });
            else live.stopTyping();
          }}
          onBlur={() => live.stopTyping()}
          onPaste={(e) => {
            if (features.attachments && e.clipboardData.files.length) {
              e.preventDefault();
              addFiles(e.clipboardData.files);
            }
          }}
          onKeyDown={(e) => {
            if (showCanned) {
              if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                e.preventDefault();
                setPick((p) => (p + (e.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
                return;
              }
              if (e.key === 'Enter' || e.key === 'Tab') {
                e.preventDefault();
                choose(matches[pick] ?? matches[0]!);
                return;
              }
              if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setSlash(null);
                return;
              }
            }
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              send();
            }
            if (e.key === 'Escape') area.current?.blur();
          }}
        />
        <button
          type="button"
          className="btn btn-primary btn-md send-btn"
          onClick={send}
          disabled={!canSend}
          aria-label={mode === 'note' ? 'Add note' : 'Send'}
        >
          <Icon name="send" size={16} />
          <span>{mode === 'note' ? 'Add note' : 'Send'}</span>
        </button>
      </div>
    </div>
  );
});
