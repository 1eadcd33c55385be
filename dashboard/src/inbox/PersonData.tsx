/**
 * A person's data, for owners and admins (docs/privacy.md): exporting it (a ZIP archive a
 * server job builds in seconds) and erasing it (behind a dialog that says what goes, per
 * the organization's erasure mode, and that it cannot be undone), each followed by polling
 * until the job is done: then the download link, or the receipt. The visitor panel uses it
 * for one visitor (`VisitorData`); Settings › Privacy for anyone, found by email, customer
 * id or visitor id. The server finds the visitors when the request is made: there is no
 * look-up to show beforehand.
 */
import { useEffect, useId, useRef, useState } from 'react';
import {
  ErasureDocument,
  ErasureModeDocument,
  EraseVisitorDocument,
  ExportDocument,
  ExportVisitorDocument,
  type Erasure,
  type ErasureMode,
  type ErasureReceipt,
  type Export,
  type PersonInput,
} from '../privacy';
import { useServices } from '../directory';
import { Button, Dialog, Icon, Loading, Spinner, ErrorState, useAction, useLoad } from '../ui';
import { formatSize } from './attachments';
import { fullDate } from './format';

/** How often a job is checked on while it runs. */
const POLL_MS = 1_000;

/** What each erasure mode does to a person's conversations: one wording for every screen. */
export const ERASURE_MODES: Record<ErasureMode, { label: string; removes: string }> = {
  TOMBSTONE: {
    label: "Keep the conversations, with the visitor's messages removed",
    removes:
      "Their messages are emptied and their files deleted. The conversations stay in your history with your team's replies and notes; a rating stays as an anonymous score.",
  },
  DELETE: {
    label: 'Delete the conversations',
    removes: "Their conversations are deleted whole: their messages and files, and your team's replies and notes.",
  },
};

/**
 * While `active`, runs `step` a second after the last run ended (never two at once); after
 * a failure it waits twice as long, up to half a minute.
 */
export function usePoll(active: boolean, step: () => Promise<void>) {
  const latest = useRef(step);
  useEffect(() => {
    latest.current = step;
  });
  const [tick, setTick] = useState(0);
  const failures = useRef(0);
  useEffect(() => {
    if (!active) return;
    let live = true;
    const t = setTimeout(
      () =>
        void latest.current().then(
          () => {
            failures.current = 0;
            if (live) setTick((n) => n + 1);
          },
          () => {
            failures.current++;
            if (live) setTick((n) => n + 1);
          },
        ),
      Math.min(30_000, POLL_MS * 2 ** failures.current),
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [active, tick]);
}

/** A job made here, followed until `finished`; `onChange` hears of every state seen. */
function useFollow<T extends { id: string }>(
  load: (id: string) => Promise<T>,
  finished: (item: T) => boolean,
  onChange?: (item: T) => void,
) {
  const [item, setItem] = useState<T | null>(null);
  usePoll(!!item && !finished(item), async () => {
    if (!item) return;
    const next = await load(item.id);
    // A newer request may have taken its place meanwhile.
    setItem((current) => (current?.id === next.id ? next : current));
    onChange?.(next);
  });
  const start = (made: T) => {
    setItem(made);
    onChange?.(made);
  };
  return { item, start };
}

export const exportFinished = (e: Export) => e.done || e.expired;

/** Asks for a person's export and follows it until the archive is ready. */
function useExportRequest() {
  const { client } = useServices();
  const follow = useFollow(async (id) => (await client.request(ExportDocument, { id })).export, exportFinished);
  const action = useAction(async (person: PersonInput) => {
    follow.start((await client.request(ExportVisitorDocument, { input: person })).exportVisitor);
  });
  return { ...action, item: follow.item };
}

/**
 * Asks for a person's erasure and follows it until the receipt is in; then the queue lists
 * refetch (no event tells them) and `onDone` hears of it.
 */
function useErasureRequest(onDone?: (e: Erasure) => void) {
  const { client, inbox } = useServices();
  const follow = useFollow(
    async (id) => (await client.request(ErasureDocument, { id })).erasure,
    (e) => e.done,
    (e) => {
      if (!e.done) return;
      inbox.resync();
      onDone?.(e);
    },
  );
  const action = useAction(async (person: PersonInput) => {
    follow.start((await client.request(EraseVisitorDocument, { input: person })).eraseVisitor);
  });
  return { ...action, item: follow.item };
}

/** An export's state: building, ready with its Download link, or expired. */
export function ExportStatus({ exp, linkLabel, withSize = true }: { exp: Export; linkLabel?: string; withSize?: boolean }) {
  if (exp.expired) return <p className="job-state muted">Expired: the archive was deleted after 7 days.</p>;
  if (!exp.done || !exp.url)
    return (
      <p className="job-state">
        <Spinner small label="Building" /> Building the archive…
      </p>
    );
  return (
    <p className="job-state">
      <a className="btn btn-secondary btn-sm" href={exp.url} download aria-label={linkLabel}>
        <Icon name="download" size={16} /> Download
      </a>
      <small className="muted">
        {withSize && `ZIP, ${formatSize(exp.size ?? 0)}, `}
        {exp.expiresAt ? `until ${fullDate(exp.expiresAt)}` : null}
      </small>
    </p>
  );
}

const RECEIPT: { key: keyof ErasureReceipt; label: string; one: string }[] = [
  { key: 'visitors', label: 'Visitors', one: 'visitor' },
  { key: 'conversations', label: 'Conversations', one: 'conversation' },
  { key: 'messages', label: 'Messages', one: 'message' },
  { key: 'files', label: 'Files', one: 'file' },
  { key: 'pageViews', label: 'Page views', one: 'page view' },
  { key: 'jobs', label: 'Pending emails', one: 'pending email' },
];

/** "1 visitor, 2 conversations, …": a receipt in a line. */
export const receiptText = (r: ErasureReceipt) =>
  RECEIPT.map(({ key, label, one }) => `${r[key]} ${r[key] === 1 ? one : label.toLowerCase()}`).join(', ');

const nothingErased = (r: ErasureReceipt) => RECEIPT.every(({ key }) => r[key] === 0);

/** An erasure's state: at work, or done with its receipt. */
export function ErasureStatus({ erasure }: { erasure: Erasure }) {
  if (!erasure.done)
    return (
      <p className="job-state">
        <Spinner small label="Erasing" /> Erasing…
      </p>
    );
  const r = erasure.receipt;
  return (
    <div className="receipt-box">
      <p>
        <strong>Erased.</strong>{' '}
        {nothingErased(r)
          ? 'Nothing was left to erase: no visitor matched, or they were erased before.'
          : erasure.mode === 'DELETE'
            ? 'Their conversations were deleted.'
            : 'Their conversations stay for your team, without their messages.'}
      </p>
      <dl className="receipt" aria-label="Receipt: what was removed">
        {RECEIPT.map(({ key, label }) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd>{r[key]}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/**
 * Asks before erasing: what goes under the organization's current erasure mode (read when
 * it opens), who (`scope`, for a request that may cover several visitors), and that it
 * cannot be undone. `onErase` makes the request; the dialog stays open on an error.
 */
export function EraseDialog({
  open,
  who,
  scope,
  busy,
  error,
  onClose,
  onErase,
}: {
  open: boolean;
  /** "Vera Visitor", "vera@example.com", "customer cust-42". */
  who: string;
  scope?: string;
  busy: boolean;
  error: string | null;
  onClose(): void;
  onErase(): void;
}) {
  const { client } = useServices();
  const mode = useLoad(async () => (open ? (await client.request(ErasureModeDocument)).erasureMode : null), [open]);
  return (
    <Dialog
      open={open}
      title={`Erase the data of ${who}?`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" busy={busy} disabled={!mode.data} onClick={onErase}>
            Erase their data
          </Button>
        </>
      }
    >
      {mode.error ? (
        <ErrorState error={mode.error} retry={mode.reload} />
      ) : !mode.data ? (
        <Loading />
      ) : (
        <div className="stack">
          {scope && <p>{scope}</p>}
          <ul className="erase-list">
            <li>{ERASURE_MODES[mode.data].removes}</li>
            <li>Their profile goes: name, email, customer id, attributes, browser and IP address.</li>
            <li>So do the pages they viewed, their blocks and pending emails about them. An open chat of theirs ends at once.</li>
          </ul>
          <p className="notice">
            <strong>This cannot be undone.</strong> It does not reach emails already sent, nor exports made before (their archives
            last their 7 days).
          </p>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

/** The visitor panel's "Their data" (owners and admins): export or erase this visitor. */
export function VisitorData({ visitorId, name, onErased }: { visitorId: string; name: string; onErased?(e: Erasure): void }) {
  const headingId = useId();
  const exporting = useExportRequest();
  const erasing = useErasureRequest(onErased);
  const [confirming, setConfirming] = useState(false);
  const close = () => {
    erasing.setError(null);
    setConfirming(false);
  };
  return (
    <section className="panel-section person-data" aria-labelledby={headingId}>
      <h3 id={headingId}>Their data</h3>
      <div className="row-actions">
        <Button size="sm" icon="download" busy={exporting.busy} onClick={() => void exporting.run({ visitorId })}>
          Export data
        </Button>
        <Button size="sm" variant="danger" icon="trash" onClick={() => setConfirming(true)}>
          Erase data
        </Button>
      </div>
      {exporting.error && (
        <p className="form-error" role="alert">
          {exporting.error}
        </p>
      )}
      <div className="person-jobs" aria-live="polite">
        {exporting.item && <ExportStatus exp={exporting.item} linkLabel={`Download the data of ${name}`} />}
        {erasing.item && <ErasureStatus erasure={erasing.item} />}
      </div>
      <EraseDialog
        open={confirming}
        who={name}
        busy={erasing.busy}
        error={erasing.error}
        onClose={close}
        onErase={() => void erasing.run({ visitorId }).then((ok) => ok && setConfirming(false))}
      />
    </section>
  );
}
