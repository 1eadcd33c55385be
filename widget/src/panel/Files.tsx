/**
 * Attachments, loaded on first use (a file chosen, dropped or pasted, or the first
 * message with a file or an agent's name): the upload with its progress, then the
 * message that carries it; in the thread, the agent's name and avatar, image previews
 * and download links for other files. Its text, in every language, comes with it.
 */
import type { ChatMessage } from '@chinwag/sdk';
import type { Core } from '../core.js';
import { sessionKey, type Locale } from '../host.js';
import type { VNode } from './dom.js';
import css from './Files.css';
import { host, sheet } from './lazy.js';

sheet(css);

/** The server's limit on a file (`POST /uploads` answers 413 beyond it). */
const MAX = 10 * 1024 * 1024;

const en = {
  uploading: (name: string, percent: number) => `Sending ${name}… ${percent}%`,
  tooLarge: (name: string) => `${name} is too large (10 MB at most).`,
  failed: (name: string) => `${name} could not be sent. Please try again.`,
};

const TEXT: Record<Locale, typeof en> = {
  en,
  fr: {
    uploading: (name, percent) => `Envoi de ${name}… ${percent} %`,
    tooLarge: (name) => `${name} est trop volumineux (10 Mo au plus).`,
    failed: (name) => `${name} n’a pas pu être envoyé. Veuillez réessayer.`,
  },
  es: {
    uploading: (name, percent) => `Enviando ${name}… ${percent}%`,
    tooLarge: (name) => `${name} es demasiado grande (10 MB como máximo).`,
    failed: (name) => `No se pudo enviar ${name}. Inténtalo de nuevo.`,
  },
};

/** What the chat gives to attach files. */
export interface AttachContext {
  core: Core;
  /** The conversation on screen; `null` before the first message (a file starts it). */
  id: string | null;
  onStarted(id: string, first: string): void;
  /** Shows the uploads in the thread (`null`: nothing to show). */
  show(uploads: VNode | null): void;
}

type Failure = { code?: string };

interface Upload {
  name: string;
  percent: number;
  error?: string;
}

/** The uploads on screen: every file on its way, and those that failed. */
let uploads: Upload[] = [];

/** Opens the file chooser; resolves with the files chosen (none if cancelled). */
function choose(): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.hidden = true;
    const done = () => {
      input.remove();
      resolve([...(input.files ?? [])]);
    };
    input.onchange = done;
    input.oncancel = done;
    host().root.append(input);
    input.click();
  });
}

/**
 * Stores a file (`POST /uploads`, the raw bytes), reporting progress; rejects with
 * `{ code }`. Written out rather than with the SDK's `ChinwagError`: importing that here
 * would make it a chunk shared with the core, loaded at opening.
 */
function upload(api: string, conversationId: string, file: File, name: string, progress: (percent: number) => void) {
  return new Promise<{ id: string }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', new URL(`/uploads?${new URLSearchParams({ conversationId, filename: name })}`, api));
    xhr.setRequestHeader('Authorization', `Bearer ${token()}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && progress(Math.round((e.loaded / e.total) * 100));
    xhr.onerror = () => reject({ code: 'NETWORK_ERROR' });
    xhr.onload = () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON (a proxy's error page): the status decides below.
      }
      if (xhr.status < 300) return resolve(body);
      reject({ code: body?.errors?.[0]?.extensions?.code ?? (xhr.status == 413 ? 'BAD_USER_INPUT' : 'INTERNAL') });
    };
    xhr.send(file);
  });
}

/** The visitor's token, as the SDK keeps it (`localStorage`). */
const token = (): string => JSON.parse(localStorage.getItem(sessionKey(host().key)) ?? '{}').token ?? '';

/**
 * Uploads `files` (or those the visitor chooses), one after the other, each then sent as
 * a message of its own; starts the conversation first when there is none yet.
 */
export async function attach(files: FileList | undefined, { core, id, onStarted, show }: AttachContext): Promise<void> {
  const list = files ? [...files] : await choose();
  if (!list.length) return;
  const t = TEXT[core.host.locale()];
  const { client } = core;
  const mine = list.map((f) => ({ name: f.name || 'image.png', percent: 0 }) as Upload);
  // Failures shown before go away with the next attempt.
  uploads = [...uploads.filter((u) => !u.error), ...mine];
  const render = () =>
    show(
      uploads.length ? (
        <div class="uploads" role="status">
          {uploads.map((u, i) =>
            u.error ? (
              <p key={i} class="error">
                {u.error}
              </p>
            ) : (
              <div key={i}>
                <p>{t.uploading(u.name, u.percent)}</p>
                <progress max={100} value={u.percent} aria-label={u.name} />
              </div>
            ),
          )}
        </div>
      ) : null,
    );
  render();
  const api = new URL(core.host.api, location.href).href;
  for (const [i, file] of list.entries()) {
    const current = mine[i]!;
    try {
      if (file.size > MAX) throw { code: 'BAD_USER_INPUT' };
      if (!id) {
        const started = await client.startConversation();
        core.started(started);
        onStarted((id = started.id), '');
      }
      const progress = (percent: number) => {
        current.percent = percent;
        render();
      };
      let stored;
      try {
        stored = await upload(api, id, file, current.name, progress);
      } catch (e) {
        if ((e as Failure).code !== 'UNAUTHENTICATED') throw e;
        await client.visitor(); // renews the session, then once more
        stored = await upload(api, id, file, current.name, progress);
      }
      core.sent(await client.sendMessage(id, '', { attachmentIds: [stored.id] }));
      uploads = uploads.filter((u) => u !== current);
    } catch (e) {
      current.error = ((e as Failure).code === 'BAD_USER_INPUT' ? t.tooLarge : t.failed)(current.name);
      if (file.size <= MAX) core.report(e);
    }
    render();
  }
}

/** A server-relative address (a file's signed link, an avatar) made absolute. */
const absolute = (url: string) => new URL(url, new URL(host().api, location.href)).href;

const size = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Above a message: the agent (or the trigger's sender) who wrote it, avatar and name, and its files. */
export function Extras({ m }: { m: ChatMessage }) {
  return (
    <>
      {m.senderKind !== 'VISITOR' && m.senderName && (
        <div class="who">
          {m.senderAvatarUrl ? <img src={absolute(m.senderAvatarUrl)} alt="" /> : <b aria-hidden="true">{m.senderName[0]}</b>}
          {m.senderName}
        </div>
      )}
      {m.attachments?.map((a) =>
        a.isImage ? (
          <a key={a.id} class="file" href={absolute(a.url)} target="_blank" rel="noopener noreferrer">
            <img src={absolute(a.url)} alt={a.filename} />
          </a>
        ) : (
          <a key={a.id} class="file doc" href={absolute(a.url)} download={a.filename} target="_blank" rel="noopener noreferrer">
            {a.filename}
            <small>{size(a.size)}</small>
          </a>
        ),
      )}
    </>
  );
}
