/**
 * The privacy settings of Settings › Privacy (owners and admins): the organization's
 * erasure mode (what erasing a person does to their conversations), and each website's
 * retention, two periods saved together with `updateWebsite` (each a number of days, 1 to
 * 3,650, or kept forever). The server deletes what is past them once a day.
 */
import { useId, useState, type FormEvent } from 'react';
import { useServices } from '../directory';
import { ERASURE_MODES } from '../inbox/PersonData';
import {
  ErasureModeDocument,
  SetErasureModeDocument,
  UpdateRetentionDocument,
  WebsitesRetentionDocument,
  type ErasureMode,
  type Retention,
} from '../privacy';
import { Button, EmptyState, ErrorState, Loading, toast, useAction, useLoad } from '../ui';

export function ErasureModeSettings() {
  const { client } = useServices();
  const hintId = useId();
  const saved = useLoad(async () => (await client.request(ErasureModeDocument)).erasureMode, []);
  const [chosen, setChosen] = useState<ErasureMode | null>(null);
  const mode = chosen ?? saved.data;
  const save = useAction(async (next: ErasureMode) => {
    saved.set((await client.request(SetErasureModeDocument, { mode: next })).setErasureMode);
    setChosen(null);
    toast('Erasure mode saved');
  });
  return (
    <section className="panel">
      <h2>Erasure mode</h2>
      <p className="muted">
        What erasing a person does to their conversations. Their profile, pages viewed and files go either way.
      </p>
      {!mode ? (
        saved.error ? (
          <ErrorState error={saved.error} retry={saved.reload} />
        ) : (
          <Loading />
        )
      ) : (
        <form
          className="stack"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void save.run(mode);
          }}
        >
          <fieldset className="fieldset">
            <legend>When a person is erased</legend>
            {(Object.keys(ERASURE_MODES) as ErasureMode[]).map((m) => (
              <div key={m}>
                <label className="check">
                  <input
                    type="radio"
                    name="erasure-mode"
                    checked={mode === m}
                    onChange={() => setChosen(m)}
                    aria-describedby={`${hintId}-${m}`}
                  />{' '}
                  {ERASURE_MODES[m].label}
                </label>
                <p className="hint check-hint" id={`${hintId}-${m}`}>
                  {ERASURE_MODES[m].removes}
                </p>
              </div>
            ))}
          </fieldset>
          {save.error && (
            <p className="form-error" role="alert">
              {save.error}
            </p>
          )}
          <div>
            <Button type="submit" variant="primary" busy={save.busy} disabled={mode === saved.data}>
              Save erasure mode
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}

interface WebsiteRetention {
  id: string;
  name: string;
  retention: Retention;
}

export function RetentionSettings() {
  const { client } = useServices();
  const list = useLoad(async () => (await client.request(WebsitesRetentionDocument)).websites, []);
  const websites = list.data;
  return (
    <section className="panel">
      <h2>Retention</h2>
      <p className="muted">How long each website keeps chats. Checked once a day; open conversations are never deleted.</p>
      {!websites ? (
        list.error ? (
          <ErrorState error={list.error} retry={list.reload} />
        ) : (
          <Loading />
        )
      ) : !websites.length ? (
        <EmptyState icon="inbox" title="No website yet" />
      ) : (
        websites.map((w) => (
          <RetentionForm
            key={w.id}
            website={w}
            onSaved={(saved) => list.update((all) => (all ?? []).map((x) => (x.id === saved.id ? saved : x)))}
          />
        ))
      )}
    </section>
  );
}

/** A period as the form holds it: kept forever, or the days typed (kept while "forever" is chosen). */
interface Period {
  forever: boolean;
  days: string;
}

const periodOf = (days: number | null, suggested: number): Period =>
  days == null ? { forever: true, days: String(suggested) } : { forever: false, days: String(days) };
const daysOf = (p: Period) => (p.forever ? null : Number(p.days));

function RetentionForm({ website, onSaved }: { website: WebsiteRetention; onSaved(w: WebsiteRetention): void }) {
  const { client } = useServices();
  const [resolved, setResolved] = useState(() => periodOf(website.retention.resolvedConversationDays, 365));
  const [idle, setIdle] = useState(() => periodOf(website.retention.idleVisitorDays, 90));
  const save = useAction(async () => {
    const retention = { resolvedConversationDays: daysOf(resolved), idleVisitorDays: daysOf(idle) };
    onSaved((await client.request(UpdateRetentionDocument, { id: website.id, retention })).updateWebsite);
    toast(`Retention saved for ${website.name}`);
  });
  const changed =
    daysOf(resolved) !== website.retention.resolvedConversationDays || daysOf(idle) !== website.retention.idleVisitorDays;
  const headingId = useId();
  return (
    <form
      className="fieldset retention"
      aria-labelledby={headingId}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h3 id={headingId}>{website.name}</h3>
      <PeriodField
        legend="Resolved conversations"
        daysLabel={`Days to keep resolved conversations of ${website.name}`}
        hint="Deleted this many days after they were resolved, with their messages and files."
        value={resolved}
        onChange={setResolved}
      />
      <PeriodField
        legend="Idle visitors"
        daysLabel={`Days to keep idle visitors of ${website.name}`}
        hint="Visitors who never started a conversation, deleted this many days after they were last seen."
        value={idle}
        onChange={setIdle}
      />
      {save.error && (
        <p className="form-error" role="alert">
          {save.error}
        </p>
      )}
      <div>
        <Button
          type="submit"
          variant="primary"
          busy={save.busy}
          disabled={!changed}
          aria-label={`Save retention for ${website.name}`}
        >
          Save
        </Button>
      </div>
    </form>
  );
}

function PeriodField({
  legend,
  daysLabel,
  hint,
  value,
  onChange,
}: {
  legend: string;
  daysLabel: string;
  hint: string;
  value: Period;
  onChange(p: Period): void;
}) {
  const id = useId();
  return (
    <fieldset className="period" aria-describedby={`${id}-hint`}>
      <legend>{legend}</legend>
      <div className="radio-row">
        <label className="check">
          <input type="radio" name={id} checked={value.forever} onChange={() => onChange({ ...value, forever: true })} /> Keep
          forever
        </label>
        <span className="period-days">
          <label className="check">
            <input type="radio" name={id} checked={!value.forever} onChange={() => onChange({ ...value, forever: false })} />{' '}
            Delete after
          </label>
          <input
            type="number"
            className="input input-sm"
            inputMode="numeric"
            min={1}
            max={3650}
            step={1}
            required
            disabled={value.forever}
            aria-label={daysLabel}
            value={value.days}
            onChange={(e) => onChange({ forever: false, days: e.target.value })}
          />{' '}
          days
        </span>
      </div>
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
    </fieldset>
  );
}
