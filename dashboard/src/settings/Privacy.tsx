/**
 * Privacy (owners and admins; docs/privacy.md): answering a person's request ("send me my
 * data", "delete me") found by email, customer id or visitor id; the exports and erasures
 * made, newest first, followed until their jobs are done (the lists are polled while one
 * runs, and are where a request's state is read); the whole organization's export, for
 * owners; and, in PrivacySettings.tsx, the erasure mode and each website's retention.
 */
import { useState, type FormEvent } from 'react';
import { useDirectory, useServices } from '../directory';
import { EraseDialog, ErasureStatus, ExportStatus, exportFinished, receiptText, usePoll } from '../inbox/PersonData';
import { formatSize } from '../inbox/attachments';
import { fullDate } from '../inbox/format';
import {
  EraseVisitorDocument,
  ErasuresDocument,
  ExportOrganizationDocument,
  ExportVisitorDocument,
  ExportsDocument,
  type Erasure,
  type Export,
  type PersonInput,
} from '../privacy';
import { useMe } from '../session';
import { Badge, Button, EmptyState, ErrorState, Loading, Segmented, TextField, useAction, useLoad } from '../ui';
import { ErasureModeSettings, RetentionSettings } from './PrivacySettings';

/** How many of each list show at first; the server keeps the newest 100 at most in a page. */
const FIRST = 25;
const ALL = 100;

type By = 'email' | 'externalId' | 'visitorId';

/** How a person can be found, and what the request then covers. */
const BY: Record<By, { label: string; type: string; hint: string; who(v: string): string; scope?(v: string): string }> = {
  email: {
    label: 'Email',
    type: 'email',
    hint: 'Every visitor who gave this address, on all your websites.',
    who: (v) => v,
    scope: (v) => `Every visitor who gave ${v}, on all your websites.`,
  },
  externalId: {
    label: 'Customer id',
    type: 'text',
    hint: "Your site's own id for a signed-in customer (identity verification), on all your websites.",
    who: (v) => `customer ${v}`,
    scope: (v) => `Every visitor your site identified as customer ${v}, on all your websites.`,
  },
  visitorId: {
    label: 'Visitor id',
    type: 'text',
    hint: 'One visitor, like vis_01J…, as the API and exports name them.',
    who: (v) => `visitor ${v}`,
  },
};

const personOf = (by: By, value: string): PersonInput =>
  by === 'email' ? { email: value } : by === 'externalId' ? { externalId: value } : { visitorId: value };

/** `list` with `item` in place of the one with its id, or first if it is new. */
const upsert = <T extends { id: string }>(list: T[] | undefined, item: T) =>
  list?.some((x) => x.id === item.id) ? list.map((x) => (x.id === item.id ? item : x)) : [item, ...(list ?? [])];

export function PrivacySection() {
  const { client, inbox } = useServices();
  const me = useMe();
  const [firstExports, setFirstExports] = useState(FIRST);
  const [firstErasures, setFirstErasures] = useState(FIRST);
  const loadExports = async () => (await client.request(ExportsDocument, { first: firstExports })).exports;
  const loadErasures = async () => (await client.request(ErasuresDocument, { first: firstErasures })).erasures;
  const exports = useLoad(loadExports, [firstExports]);
  const erasures = useLoad(loadErasures, [firstErasures]);
  usePoll(!!exports.data?.some((e) => !exportFinished(e)), async () => exports.set(await loadExports()));
  usePoll(!!erasures.data?.some((e) => !e.done), async () => {
    const next = await loadErasures();
    erasures.set(next);
    // No event tells the queue what an erasure emptied or deleted.
    if (next.some((e) => e.done && erasures.data?.some((was) => was.id === e.id && !was.done))) inbox.resync();
  });

  return (
    <div className="stack-lg">
      <FindPerson
        exports={exports.data}
        erasures={erasures.data}
        onExport={(e) => exports.update((list) => upsert(list, e))}
        onErasure={(e) => erasures.update((list) => upsert(list, e))}
      />
      <section className="panel">
        <h2>Exports</h2>
        <p className="muted">Each archive can be downloaded for 7 days; then it is deleted. Treat its link as a secret.</p>
        {!exports.data ? (
          exports.error ? (
            <ErrorState error={exports.error} retry={exports.reload} />
          ) : (
            <Loading />
          )
        ) : !exports.data.length ? (
          <EmptyState icon="download" title="No exports yet" />
        ) : (
          <ExportList exports={exports.data} />
        )}
        {exports.data?.length === firstExports && firstExports < ALL && (
          <div>
            <Button onClick={() => setFirstExports(ALL)}>Show more</Button>
          </div>
        )}
      </section>
      <section className="panel">
        <h2>Erasures</h2>
        <p className="muted">What was erased, when and at whose request: counts only, never what it was.</p>
        {!erasures.data ? (
          erasures.error ? (
            <ErrorState error={erasures.error} retry={erasures.reload} />
          ) : (
            <Loading />
          )
        ) : !erasures.data.length ? (
          <EmptyState icon="trash" title="No erasures yet" />
        ) : (
          <ErasureList erasures={erasures.data} />
        )}
        {erasures.data?.length === firstErasures && firstErasures < ALL && (
          <div>
            <Button onClick={() => setFirstErasures(ALL)}>Show more</Button>
          </div>
        )}
      </section>
      {me.role === 'OWNER' && (
        <OrganizationExport
          latest={exports.data?.find((e) => e.kind === 'ORGANIZATION')}
          onExport={(e) => exports.update((list) => upsert(list, e))}
        />
      )}
      <ErasureModeSettings />
      <RetentionSettings />
    </div>
  );
}

/**
 * The request form: how to find them, who, then Export or Erase (after the dialog). The
 * state of the newest request of each kind shows below it, read from the lists.
 */
function FindPerson({
  exports,
  erasures,
  onExport,
  onErasure,
}: {
  exports: Export[] | undefined;
  erasures: Erasure[] | undefined;
  onExport(e: Export): void;
  onErasure(e: Erasure): void;
}) {
  const { client } = useServices();
  const [by, setBy] = useState<By>('email');
  const [value, setValue] = useState('');
  const [confirming, setConfirming] = useState<{ person: PersonInput; who: string; scope?: string } | null>(null);
  const [asked, setAsked] = useState<{ exp?: { made: Export; who: string }; erasure?: { made: Erasure; who: string } }>({});
  const v = value.trim();

  const exporting = useAction(async () => {
    const { exportVisitor } = await client.request(ExportVisitorDocument, { input: personOf(by, v) });
    setAsked((a) => ({ ...a, exp: { made: exportVisitor, who: BY[by].who(v) } }));
    onExport(exportVisitor);
  });
  const erasing = useAction(async (person: PersonInput, who: string) => {
    const { eraseVisitor } = await client.request(EraseVisitorDocument, { input: person });
    setAsked((a) => ({ ...a, erasure: { made: eraseVisitor, who } }));
    onErasure(eraseVisitor);
    setConfirming(null);
  });
  const closeDialog = () => {
    erasing.setError(null);
    setConfirming(null);
  };

  const exp = asked.exp && (exports?.find((e) => e.id === asked.exp!.made.id) ?? asked.exp.made);
  const erasure = asked.erasure && (erasures?.find((e) => e.id === asked.erasure!.made.id) ?? asked.erasure.made);
  return (
    <section className="panel">
      <h2>Find a person</h2>
      <p className="muted">
        When someone asks for their data, or asks you to delete it, find them here, then export or erase everything Chinwag keeps
        about them.
      </p>
      <form
        className="stack"
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          void exporting.run();
        }}
      >
        <div className="field find-by">
          {/* Seen, not read: the group is named the same for assistive technology. */}
          <span className="field-label" aria-hidden="true">
            Find them by
          </span>
          <Segmented<By>
            label="Find them by"
            value={by}
            options={(Object.keys(BY) as By[]).map((k) => ({ value: k, label: BY[k].label }))}
            onChange={(k) => {
              setBy(k);
              exporting.setError(null);
            }}
          />
        </div>
        <TextField
          label={BY[by].label}
          name="person"
          type={BY[by].type}
          required
          maxLength={320}
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          hint={BY[by].hint}
        />
        <div className="row-actions">
          <Button type="submit" icon="download" busy={exporting.busy}>
            Export their data
          </Button>
          <Button
            variant="danger"
            icon="trash"
            onClick={(e) => {
              if (!e.currentTarget.form?.reportValidity()) return;
              setConfirming({ person: personOf(by, v), who: BY[by].who(v), scope: BY[by].scope?.(v) });
            }}
          >
            Erase their data
          </Button>
        </div>
        {exporting.error && (
          <p className="form-error" role="alert">
            {exporting.error}
          </p>
        )}
      </form>
      <div className="person-jobs" aria-live="polite">
        {exp && asked.exp && (
          <div className="person-job">
            <h3>Export for {asked.exp.who}</h3>
            {!exp.visitorIds.length && <p className="muted">No visitor matched: the archive holds no one&apos;s data.</p>}
            <ExportStatus exp={exp} linkLabel={`Download the data of ${asked.exp.who}`} />
          </div>
        )}
        {erasure && asked.erasure && (
          <div className="person-job">
            <h3>Erasure for {asked.erasure.who}</h3>
            <ErasureStatus erasure={erasure} />
          </div>
        )}
      </div>
      <EraseDialog
        open={!!confirming}
        who={confirming?.who ?? ''}
        scope={confirming?.scope}
        busy={erasing.busy}
        error={erasing.error}
        onClose={closeDialog}
        onErase={() => confirming && void erasing.run(confirming.person, confirming.who)}
      />
    </section>
  );
}

/** A few visitor ids, and how many more. */
function VisitorIds({ ids }: { ids: string[] }) {
  if (!ids.length) return <span className="muted">No visitor matched</span>;
  const shown = ids.slice(0, 3).join(', ');
  return <>{ids.length > 3 ? `${shown} and ${ids.length - 3} more` : shown}</>;
}

const exportState = (e: Export) =>
  e.expired ? <Badge>expired</Badge> : e.done ? <Badge tone="ok">ready</Badge> : <Badge tone="accent">building</Badge>;

function ExportList({ exports }: { exports: Export[] }) {
  return (
    <ul className="block-list record-list" aria-label="Exports">
      {exports.map((e) => {
        const what = e.kind === 'ORGANIZATION' ? 'The whole organization' : "A person's data";
        return (
          <li key={e.id} className="card">
            <div className="record">
              <div>
                <strong>{what}</strong> {exportState(e)}
              </div>
              <dl className="record-facts">
                <dt>Requested</dt>
                <dd>
                  <time dateTime={e.requestedAt}>{fullDate(e.requestedAt)}</time>
                </dd>
                {e.kind !== 'ORGANIZATION' && (
                  <>
                    <dt>Visitors</dt>
                    <dd>
                      <VisitorIds ids={e.visitorIds} />
                    </dd>
                  </>
                )}
                {e.size != null && (
                  <>
                    <dt>Size</dt>
                    <dd>{formatSize(e.size)}</dd>
                  </>
                )}
              </dl>
              {!e.expired && (
                <ExportStatus exp={e} withSize={false} linkLabel={`Download ${what.toLowerCase()}, ${fullDate(e.requestedAt)}`} />
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function ErasureList({ erasures }: { erasures: Erasure[] }) {
  const { directory } = useServices();
  useDirectory(); // re-render when names arrive
  const askedBy = (e: Erasure) =>
    e.requestedByKind === 'api_key' ? 'An API key' : (directory.agentName(e.requestedBy) ?? 'A former teammate');
  return (
    <ul className="block-list record-list" aria-label="Erasures">
      {erasures.map((e) => (
        <li key={e.id} className="card">
          <div className="record">
            <div>
              <strong>
                <time dateTime={e.requestedAt}>{fullDate(e.requestedAt)}</time>
              </strong>{' '}
              {e.done ? <Badge tone="ok">done</Badge> : <Badge tone="accent">erasing</Badge>}
            </div>
            <dl className="record-facts">
              <dt>Asked by</dt>
              <dd>{askedBy(e)}</dd>
              <dt>Visitors</dt>
              <dd>
                <VisitorIds ids={e.visitorIds} />
              </dd>
              <dt>Conversations</dt>
              <dd>{e.mode === 'DELETE' ? 'Deleted' : 'Kept, without their messages'}</dd>
              <dt>Removed</dt>
              <dd>{e.done ? receiptText(e.receipt) : 'Erasing…'}</dd>
            </dl>
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The whole organization's export (owners only): its newest one's state, and a new one. */
function OrganizationExport({ latest, onExport }: { latest: Export | undefined; onExport(e: Export): void }) {
  const { client } = useServices();
  const start = useAction(async () => onExport((await client.request(ExportOrganizationDocument)).exportOrganization));
  return (
    <section className="panel">
      <h2>Export the whole organization</h2>
      <p className="muted">
        Everything, to keep a copy or to move elsewhere: websites (without their secrets), the team, departments, saved replies,
        and every visitor with their conversations, private notes included, and files. Up to 3 times a day; only owners see it.
      </p>
      <div>
        <Button icon="download" busy={start.busy} onClick={() => void start.run()}>
          Export the organization
        </Button>
      </div>
      {start.error && (
        <p className="form-error" role="alert">
          {start.error}
        </p>
      )}
      <div aria-live="polite">
        {latest && (
          <div className="person-job">
            <p className="muted">Newest, requested {fullDate(latest.requestedAt)}:</p>
            <ExportStatus exp={latest} linkLabel="Download the organization's export" />
          </div>
        )}
      </div>
    </section>
  );
}
