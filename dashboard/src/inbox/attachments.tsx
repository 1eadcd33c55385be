/**
 * Files in conversations: uploading one (`POST /uploads`, raw bytes, with progress),
 * the attachments of the messages on screen (the SDK's messages leave them out, so they
 * are fetched by runs of messages), and how a message shows them: an inline preview for
 * images (`isImage` only), a download link for anything else.
 */
import type { AgentClient, ChatMessage } from '@chinwag/sdk';
import { useEffect, useState } from 'react';
import { MessageAttachmentsDocument, type Attachment, type UploadedFile } from '../api';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const REASONS: Record<string, string> = {
  PAYLOAD_TOO_LARGE: 'it is over the size limit (10 MB)',
  FORBIDDEN: 'you may not add files to this conversation',
  NOT_FOUND: 'the conversation is gone',
  BAD_USER_INPUT: 'the server refused it',
  RATE_LIMITED: 'too many uploads: try again shortly',
};

/** Why an upload failed, in words. */
export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
  ) {
    super(
      status === 413
        ? REASONS.PAYLOAD_TOO_LARGE!
        : status === 0
          ? 'the connection failed'
          : (code && REASONS[code]) || `the server answered ${status}`,
    );
  }
}

export interface Upload {
  promise: Promise<UploadedFile>;
  abort(): void;
}

/** Sends one file's bytes; `onProgress` gets 0..1. Rejects with an {@link UploadError}. */
export function uploadFile(
  token: string,
  conversationId: string,
  file: File,
  onProgress: (fraction: number) => void,
  base = '/uploads',
): Upload {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadedFile>((resolve, reject) => {
    const q = new URLSearchParams({ conversationId, filename: file.name || 'file' });
    xhr.open('POST', `${base}?${q}`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201 || xhr.status === 200) {
        onProgress(1);
        resolve(body as UploadedFile);
      } else {
        const code = (body as { errors?: { extensions?: { code?: string } }[] } | null)?.errors?.[0]?.extensions?.code ?? null;
        reject(new UploadError(xhr.status, code));
      }
    };
    xhr.onerror = () => reject(new UploadError(0, 'NETWORK_ERROR'));
    xhr.onabort = () => reject(new UploadError(0, 'ABORTED'));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * The attachments of `messages` by message id, fetched a run at a time: from the first
 * message not known yet (after the one before it, or up to the first known one).
 */
export function useAttachments(client: AgentClient, conversationId: string, messages: readonly ChatMessage[]) {
  const [known, setKnown] = useState<{ id: string; map: ReadonlyMap<string, Attachment[]> }>({
    id: conversationId,
    map: new Map(),
  });
  const map = known.id === conversationId ? known.map : new Map<string, Attachment[]>();

  useEffect(() => {
    const sent = messages.filter((m) => m.status === 'sent');
    const i = sent.findIndex((m) => !map.has(m.id));
    if (i < 0) return;
    let vars: { id: string; first?: number; after?: string; last?: number; before?: string };
    if (i > 0) vars = { id: conversationId, after: sent[i - 1]!.id, first: 100 };
    else {
      const j = sent.findIndex((m) => map.has(m.id));
      vars =
        j > 0
          ? { id: conversationId, before: sent[j]!.id, last: Math.min(j, 100) }
          : { id: conversationId, last: Math.min(sent.length, 100) };
    }
    let cancelled = false;
    client
      .request(MessageAttachmentsDocument, vars)
      .then(
        (r) => r.conversation.messages.nodes,
        () => [] as { id: string; attachments: Attachment[] }[],
      )
      .then((nodes) => {
        if (cancelled) return;
        const next = new Map(map);
        for (const n of nodes) next.set(n.id, n.attachments);
        // Always progress: a message the page did not return has none we can show.
        if (!next.has(sent[i]!.id)) next.set(sent[i]!.id, []);
        setKnown({ id: conversationId, map: next });
      });
    return () => {
      cancelled = true;
    };
    // `map` is `known`'s map for this conversation (both listed); on the render after a
    // switch it is a fresh empty Map, which as a dependency would re-run this each time.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, conversationId, messages, known]);

  return map;
}

/** `onLoad`: an image has its size now (the list may follow the bottom). */
export function Attachments({ files, onLoad }: { files: readonly Attachment[]; onLoad?(): void }) {
  if (!files.length) return null;
  return (
    <ul className="msg-files" aria-label="Attachments">
      {files.map((f) => (
        <li key={f.id}>
          {f.isImage ? (
            <a href={f.url} target="_blank" rel="noopener" className="msg-image" title={`${f.filename}, ${formatSize(f.size)}`}>
              <img src={f.url} alt={f.filename} onLoad={onLoad} />
            </a>
          ) : (
            <a href={f.url} download={f.filename} className="msg-file">
              <span className="msg-file-name">{f.filename}</span> <small>{formatSize(f.size)}</small>
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}
