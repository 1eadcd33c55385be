/**
 * The organization's schedule (docs/routing.md, "The organization's schedule: time zone and
 * holidays"): its IANA time zone and its holidays, the days its websites are closed all
 * day. Edited as one form, saved as one replacement of both (as the server takes them);
 * the time zone is free text checked by the server, with the common zones offered as you
 * type. Any agent may look; owners and admins change it.
 */
import type { HolidayInput, OrganizationSchedule } from '@chinwag/sdk';
import { useState } from 'react';
import { useServices } from '../directory';
import { Button, ErrorState, Loading, TextField, toast, useAction, useLoad } from '../ui';
import { SaveEnd } from './editing';

/** Offered while typing; any other zone the server knows is taken too. */
const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Europe/Oslo',
  'Europe/Stockholm',
  'Europe/Helsinki',
  'Europe/Athens',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Toronto',
  'America/Mexico_City',
  'America/Sao_Paulo',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
];

export function ScheduleSection({ admin }: { admin: boolean }) {
  const { client } = useServices();
  const schedule = useLoad(() => client.organizationSchedule(), [client]);
  return (
    <section className="panel">
      <h2>Schedule</h2>
      <p className="muted">
        The organization’s time zone, for reports and as the default for new business hours, and its holidays: days every website
        is closed, whatever its business hours say.
      </p>
      {schedule.error && !schedule.data ? (
        <ErrorState error={schedule.error} retry={schedule.reload} />
      ) : !schedule.data ? (
        <Loading />
      ) : (
        <ScheduleForm key={JSON.stringify(schedule.data)} schedule={schedule.data} readOnly={!admin} onSaved={schedule.set} />
      )}
    </section>
  );
}

function ScheduleForm({
  schedule,
  readOnly,
  onSaved,
}: {
  schedule: OrganizationSchedule;
  readOnly: boolean;
  onSaved(s: OrganizationSchedule): void;
}) {
  const { client } = useServices();
  const [timeZone, setTimeZone] = useState(schedule.timeZone);
  const [holidays, setHolidays] = useState<HolidayInput[]>(schedule.holidays);
  const [date, setDate] = useState('');
  const [name, setName] = useState('');
  const save = useAction(async () => {
    // A holiday typed but not added yet goes with the rest: Save means what is on screen.
    const all = date || name.trim() ? [...holidays, { date, name: name.trim() }] : holidays;
    onSaved(await client.updateOrganizationSchedule(timeZone.trim(), all));
    toast('Schedule saved');
  });
  const add = () => {
    if (!date || !name.trim()) return;
    setHolidays((list) => [...list.filter((h) => h.date !== date), { date, name: name.trim() }].sort(byDate));
    setDate('');
    setName('');
  };
  return (
    <form
      className="stack"
      noValidate
      aria-label="Schedule"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <fieldset disabled={readOnly} className="contents">
        <TextField
          label="Time zone"
          list="iana-zones"
          autoComplete="off"
          spellCheck={false}
          value={timeZone}
          onChange={(e) => setTimeZone(e.target.value)}
          hint="An IANA time zone, like Europe/Oslo or America/New_York."
        />
        <datalist id="iana-zones">
          {ZONES.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <h3>Holidays</h3>
        {holidays.length ? (
          <table className="table" aria-label="Holidays">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Name</th>
                {!readOnly && <th scope="col">Remove</th>}
              </tr>
            </thead>
            <tbody>
              {holidays.map((h) => (
                <tr key={h.date}>
                  <td>
                    <time dateTime={h.date}>{fullDay(h.date)}</time>
                  </td>
                  <td>{h.name}</td>
                  {!readOnly && (
                    <td>
                      <Button
                        size="sm"
                        aria-label={`Remove ${h.name}`}
                        onClick={() => setHolidays((l) => l.filter((x) => x !== h))}
                      >
                        Remove
                      </Button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No holidays: the websites follow their business hours every day.</p>
        )}
        {!readOnly && (
          <div className="holiday-add">
            <TextField label="Holiday date" type="date" value={date} onChange={(e) => setDate(e.target.value)} />
            <TextField
              label="Holiday name"
              value={name}
              maxLength={100}
              placeholder="Christmas Day"
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  add();
                }
              }}
            />
            <Button onClick={add} disabled={!date || !name.trim()}>
              Add holiday
            </Button>
          </div>
        )}
      </fieldset>
      <SaveEnd label="Save schedule" busy={save.busy} error={save.error} readOnly={readOnly} />
    </form>
  );
}

const byDate = (a: HolidayInput, b: HolidayInput) => a.date.localeCompare(b.date);

/** `2026-12-25` as "Fri, 25 Dec 2026": read in UTC, where the bare date is midnight. */
const dayFmt = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const fullDay = (date: string) => dayFmt.format(new Date(`${date}T00:00:00Z`));
