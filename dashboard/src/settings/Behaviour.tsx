/**
 * How a website's widget behaves: business hours in the site's time zone (weekly
 * intervals), the pre-chat form (fields, kinds, required), offline messages and the
 * "powered by" line. One form, saved with one `updateWebsite`; the server validates
 * (time zone, times, keys, labels) and its BAD_USER_INPUT message is shown as is.
 */
import { useId, useMemo, useState } from 'react';
import {
  UpdateWebsiteDocument,
  type OpeningInterval,
  type PreChatField,
  type PreChatFieldKind,
  type UpdateWebsiteInput,
  type WebsiteDetails,
  type Weekday,
} from '../api';
import { useServices } from '../directory';
import { Button, IconButton, SelectField, TextArea, TextField, toast, useAction } from '../ui';

export const DAYS: { day: Weekday; label: string }[] = [
  { day: 'MONDAY', label: 'Monday' },
  { day: 'TUESDAY', label: 'Tuesday' },
  { day: 'WEDNESDAY', label: 'Wednesday' },
  { day: 'THURSDAY', label: 'Thursday' },
  { day: 'FRIDAY', label: 'Friday' },
  { day: 'SATURDAY', label: 'Saturday' },
  { day: 'SUNDAY', label: 'Sunday' },
];

const KINDS: { kind: PreChatFieldKind; label: string }[] = [
  { kind: 'TEXT', label: 'Text' },
  { kind: 'EMAIL', label: 'Email' },
  { kind: 'PHONE', label: 'Phone' },
  { kind: 'TEXTAREA', label: 'Long text' },
  { kind: 'SELECT', label: 'Choice' },
];

let nextId = 0;
type Row<T> = T & { id: number };
const row = <T,>(value: T): Row<T> => ({ ...value, id: ++nextId });

/** `<input type="time">` cannot show 24:00: a closing time of 00:00 stands for midnight. */
const toInput = (t: string) => (t === '24:00' ? '00:00' : t);
const toServer = (close: string) => (close === '00:00' ? '24:00' : close);

/** The browser's IANA time zones, grouped by region, with `current` kept even if unknown here. */
function timeZones(current: string): Map<string, string[]> {
  let all: string[];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  const zones = [...new Set([...all, 'UTC', current])].sort();
  const groups = new Map<string, string[]>();
  for (const z of zones) {
    const region = z.includes('/') ? z.slice(0, z.indexOf('/')) : 'Other';
    groups.set(region, [...(groups.get(region) ?? []), z]);
  }
  return groups;
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * The weekday and `HH:MM` now in `timeZone`, and how to say it in the agent's locale
 * (null for a zone this browser does not know).
 */
function nowIn(timeZone: string): { day: Weekday; time: string; label: string } | null {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'long',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date());
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    const time = `${get('hour')}:${get('minute')}`;
    const day = DAYS.find((d) => d.label === get('weekday'))?.day;
    const label = new Intl.DateTimeFormat(undefined, { timeZone, weekday: 'long', hour: 'numeric', minute: '2-digit' }).format(
      new Date(),
    );
    return day ? { day, time, label } : null;
  } catch {
    return null;
  }
}

/** A key from a label: `Order number` → `order_number` (what the server accepts: letters, digits, - and _). */
export function keyOf(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
}

/** A field being edited; a choice field's options as typed, one a line. */
type FieldRow = Row<PreChatField> & { keyEdited: boolean; optionsText: string };

/** The options typed into a choice field's box: one a line, blank lines left out. */
const optionsOf = (text: string) =>
  text
    .split('\n')
    .map((o) => o.trim())
    .filter(Boolean);

export function BehaviourEditor({ website, onSaved }: { website: WebsiteDetails; onSaved(w: WebsiteDetails): void }) {
  const { client } = useServices();
  const [scheduled, setScheduled] = useState(website.businessHours !== null);
  const [timeZone, setTimeZone] = useState(website.businessHours?.timeZone ?? browserZone());
  const [intervals, setIntervals] = useState<Row<OpeningInterval>[]>(() =>
    (website.businessHours?.intervals ?? defaultWeek()).map((i) => row({ ...i, close: toInput(i.close) })),
  );
  const [fields, setFields] = useState<FieldRow[]>(() =>
    website.preChatFields.map((f) => ({ ...row(f), keyEdited: true, optionsText: f.options.join('\n') })),
  );
  const [offlineMessages, setOfflineMessages] = useState(website.offlineMessages);
  const [poweredBy, setPoweredBy] = useState(website.poweredBy);
  const zones = useMemo(() => timeZones(timeZone), [timeZone]);
  const hoursId = useId();

  const save = useAction(async () => {
    const input: UpdateWebsiteInput = {
      preChatFields: fields.map(({ key, label, kind, required, optionsText }) => ({
        key,
        label,
        kind,
        required,
        options: kind === 'SELECT' ? optionsOf(optionsText) : [],
      })),
      offlineMessages,
      poweredBy,
    };
    if (scheduled) {
      const order = (d: Weekday) => DAYS.findIndex((x) => x.day === d);
      input.businessHours = {
        timeZone,
        intervals: [...intervals]
          .sort((a, b) => order(a.day) - order(b.day) || a.open.localeCompare(b.open))
          .map(({ day, open, close }) => ({ day, open, close: toServer(close) })),
      };
    } else {
      input.clearBusinessHours = true;
    }
    const { updateWebsite } = await client.request(UpdateWebsiteDocument, { id: website.id, input });
    onSaved(updateWebsite);
    toast('Behaviour saved');
  });

  const changeInterval = (id: number, change: Partial<OpeningInterval>) =>
    setIntervals((list) => list.map((i) => (i.id === id ? { ...i, ...change } : i)));
  const setField = (id: number, change: Partial<FieldRow>) =>
    setFields((list) => list.map((f) => (f.id === id ? { ...f, ...change } : f)));
  const moveField = (index: number, by: number) =>
    setFields((list) => {
      const next = [...list];
      const [f] = next.splice(index, 1);
      next.splice(index + by, 0, f!);
      return next;
    });
  const addField = (f: Omit<PreChatField, 'options'>) =>
    setFields((list) => [...list, { ...row({ ...f, options: [] }), keyEdited: f.key !== '', optionsText: '' }]);
  const hasKey = (k: string) => fields.some((f) => f.key === k);

  const now = scheduled ? nowIn(timeZone) : null;
  const openNow =
    now && intervals.some((i) => i.day === now.day && i.open <= now.time && now.time < (i.close === '00:00' ? '24:00' : i.close));

  return (
    <section className="panel">
      <h2>Availability and pre-chat form</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <fieldset className="fieldset">
          <legend>Business hours</legend>
          <div className="radio-row">
            <label className="check">
              <input type="radio" name={`${hoursId}-mode`} checked={!scheduled} onChange={() => setScheduled(false)} /> Always
              open
            </label>
            <label className="check">
              <input type="radio" name={`${hoursId}-mode`} checked={scheduled} onChange={() => setScheduled(true)} /> Open on a
              weekly schedule
            </label>
          </div>
          {scheduled && (
            <>
              <SelectField
                label="Time zone"
                value={timeZone}
                onChange={(e) => setTimeZone(e.target.value)}
                hint="The hours below are in this time zone, wherever your visitors are."
              >
                {[...zones].map(([region, list]) => (
                  <optgroup key={region} label={region}>
                    {list.map((z) => (
                      <option key={z} value={z}>
                        {z.replaceAll('_', ' ')}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </SelectField>
              <ul className="week" aria-label="Opening hours">
                {DAYS.map(({ day, label }) => {
                  const mine = intervals.filter((i) => i.day === day);
                  return (
                    <li key={day} className="week-day">
                      <span className="week-name">{label}</span>
                      <span className="week-slots">
                        {mine.length === 0 && <span className="muted">Closed</span>}
                        {mine.map((i) => (
                          <span key={i.id} className="slot">
                            <input
                              className="input input-sm"
                              type="time"
                              required
                              aria-label={`${label} opens`}
                              value={i.open}
                              onChange={(e) => changeInterval(i.id, { open: e.target.value })}
                            />
                            <span aria-hidden="true">–</span>
                            <input
                              className="input input-sm"
                              type="time"
                              required
                              aria-label={`${label} closes`}
                              value={i.close}
                              onChange={(e) => changeInterval(i.id, { close: e.target.value })}
                            />
                            <IconButton
                              icon="close"
                              label={`Remove ${label} ${i.open}–${i.close}`}
                              onClick={() => setIntervals((list) => list.filter((x) => x.id !== i.id))}
                            />
                          </span>
                        ))}
                      </span>
                      <Button
                        size="sm"
                        variant="ghost"
                        icon="plus"
                        aria-label={`Add hours on ${label}`}
                        onClick={() => {
                          // A second interval starts where the last one ends (a split day).
                          const last = mine[mine.length - 1];
                          const open = last && last.close !== '00:00' ? last.close : '09:00';
                          setIntervals((list) => [...list, row({ day, open, close: last ? '00:00' : '17:00' })]);
                        }}
                      >
                        <span className="hide-narrow">Add hours</span>
                      </Button>
                    </li>
                  );
                })}
              </ul>
              <div className="row-actions">
                <Button
                  size="sm"
                  onClick={() =>
                    setIntervals((list) => {
                      const monday = list.filter((i) => i.day === 'MONDAY');
                      const weekdays: Weekday[] = ['TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'];
                      return [
                        ...list.filter((i) => !weekdays.includes(i.day)),
                        ...weekdays.flatMap((day) => monday.map((m) => row({ day, open: m.open, close: m.close }))),
                      ];
                    })
                  }
                >
                  Copy Monday to Tuesday–Friday
                </Button>
              </div>
              <p className="hint">
                To stay open until midnight, close at 00:00 (12:00 AM). Outside these hours the widget tells visitors you are away
                {offlineMessages ? ' and takes their messages' : ''}.
                {now && (
                  <>
                    {' '}
                    It is {now.label} in {timeZone.replaceAll('_', ' ')}: <strong>{openNow ? 'open now' : 'closed now'}</strong>.
                  </>
                )}
              </p>
            </>
          )}
        </fieldset>

        <fieldset className="fieldset">
          <legend>Pre-chat form</legend>
          <p className="hint">
            What the widget asks before the first message. The answers appear in the visitor's details. The keys <code>name</code>{' '}
            and <code>email</code> fill in the visitor's name and email.
          </p>
          {fields.length ? (
            <ol className="prechat-list" aria-label="Pre-chat fields">
              {fields.map((f, index) => (
                <li key={f.id}>
                  <fieldset className="prechat-field">
                    <legend className="prechat-legend">Field {index + 1}</legend>
                    <TextField
                      label="Label"
                      value={f.label}
                      required
                      maxLength={100}
                      onChange={(e) =>
                        setField(f.id, { label: e.target.value, ...(f.keyEdited ? {} : { key: keyOf(e.target.value) }) })
                      }
                    />
                    <TextField
                      label="Key"
                      value={f.key}
                      required
                      onChange={(e) => setField(f.id, { key: e.target.value, keyEdited: true })}
                    />
                    <SelectField
                      label="Kind"
                      value={f.kind}
                      onChange={(e) => setField(f.id, { kind: e.target.value as PreChatFieldKind })}
                    >
                      {KINDS.map((k) => (
                        <option key={k.kind} value={k.kind}>
                          {k.label}
                        </option>
                      ))}
                    </SelectField>
                    <label className="check prechat-required">
                      <input
                        type="checkbox"
                        checked={f.required}
                        onChange={(e) => setField(f.id, { required: e.target.checked })}
                      />{' '}
                      Required
                    </label>
                    <span className="prechat-actions">
                      <IconButton
                        icon="up"
                        label={`Move ${f.label || 'field'} up`}
                        disabled={index === 0}
                        onClick={() => moveField(index, -1)}
                      />
                      <IconButton
                        icon="down"
                        label={`Move ${f.label || 'field'} down`}
                        disabled={index === fields.length - 1}
                        onClick={() => moveField(index, 1)}
                      />
                      <IconButton
                        icon="trash"
                        label={`Remove ${f.label || 'field'}`}
                        onClick={() => setFields((list) => list.filter((x) => x.id !== f.id))}
                      />
                    </span>
                    {f.kind === 'SELECT' && (
                      <div className="prechat-options">
                        <TextArea
                          label="Options"
                          hint="One a line, 2 to 20. The visitor picks one; a routing rule can send each to a department."
                          rows={Math.min(6, Math.max(3, optionsOf(f.optionsText).length + 1))}
                          value={f.optionsText}
                          onChange={(e) => setField(f.id, { optionsText: e.target.value })}
                        />
                      </div>
                    )}
                  </fieldset>
                </li>
              ))}
            </ol>
          ) : (
            <p className="muted">No pre-chat form: visitors write straight away.</p>
          )}
          <div className="row-actions">
            {!hasKey('name') && (
              <Button
                size="sm"
                icon="plus"
                onClick={() => addField({ key: 'name', label: 'Your name', kind: 'TEXT', required: true })}
              >
                Name
              </Button>
            )}
            {!hasKey('email') && (
              <Button
                size="sm"
                icon="plus"
                onClick={() => addField({ key: 'email', label: 'Your email', kind: 'EMAIL', required: true })}
              >
                Email
              </Button>
            )}
            <Button
              size="sm"
              icon="plus"
              disabled={fields.length >= 10}
              onClick={() => addField({ key: '', label: '', kind: 'TEXT', required: false })}
            >
              Add a field
            </Button>
          </div>
        </fieldset>

        <fieldset className="fieldset">
          <legend>When nobody is available</legend>
          <label className="check">
            <input type="checkbox" checked={offlineMessages} onChange={(e) => setOfflineMessages(e.target.checked)} /> Take
            messages
          </label>
          <p className="hint">
            Outside business hours, or when no agent is online, the widget asks for an email and a message. It arrives in your
            inbox marked offline, and your replies are emailed to the visitor.
          </p>
        </fieldset>

        <fieldset className="fieldset">
          <legend>Branding</legend>
          <label className="check">
            <input type="checkbox" checked={poweredBy} onChange={(e) => setPoweredBy(e.target.checked)} /> Show “Powered by
            Chinwag” in the widget
          </label>
        </fieldset>

        {save.error && (
          <p className="form-error" role="alert">
            {save.error}
          </p>
        )}
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={save.busy}>
            Save availability and form
          </Button>
        </div>
      </form>
    </section>
  );
}

/** A starting schedule: weekdays nine to five. */
function defaultWeek(): OpeningInterval[] {
  return DAYS.slice(0, 5).map(({ day }) => ({ day, open: '09:00', close: '17:00' }));
}
