/**
 * Routing (docs/routing.md): how waiting conversations get an agent. The organization's
 * mode (for conversations without a department), the default capacity, whether pending
 * chats count against it, the offline grace, when an unanswered chat is reassigned and how
 * long a chat is offered before it is assigned;
 * then each department's mode and each agent's capacity, so that a whole setup is one page
 * (Departments and Team show the same controls where those are managed), the routing
 * rules (`Rules.tsx`), the SLA policies (`Sla.tsx`) and the organization's time zone and
 * holidays (`Schedule.tsx`). Any agent may look; owners and admins change it.
 */
import type { AgentClient, Assignment, RoutingSettings } from '@chinwag/sdk';
import { useState } from 'react';
import { useDirectory, useServices } from '../directory';
import { Link } from '../router';
import { SaveEnd } from './editing';
import { RulesSection } from './Rules';
import { ScheduleSection } from './Schedule';
import { SlaSection } from './Sla';
import { isAdmin, useMe } from '../session';
import { ErrorState, Loading, SelectField, TextField, errorMessage, toast, useAction, useLoad } from '../ui';

/** The modes, as the settings name and explain them. */
export const ASSIGNMENTS: { value: Assignment; label: string; hint: string }[] = [
  { value: 'MANUAL', label: 'Manual', hint: 'Chats wait in the queue until an agent takes one.' },
  {
    value: 'ROUND_ROBIN',
    label: 'Round robin',
    hint: 'Each new chat goes to the free agent who was given one longest ago.',
  },
  { value: 'LEAST_BUSY', label: 'Least busy', hint: 'Each new chat goes to the free agent with the fewest open chats.' },
];

const label = (a: Assignment) => ASSIGNMENTS.find((x) => x.value === a)?.label ?? a;

/** A department's mode: a select for owners and admins, the mode's name for others. */
export function DepartmentAssignment({ id, name, assignment }: { id: string; name: string; assignment: Assignment }) {
  const { client, directory } = useServices();
  const me = useMe();
  const [busy, setBusy] = useState(false);
  if (!isAdmin(me)) return <span>{label(assignment)}</span>;
  return (
    <select
      className="input input-sm"
      aria-label={`Assignment in ${name}`}
      value={assignment}
      disabled={busy}
      onChange={async (e) => {
        setBusy(true);
        try {
          await client.setDepartmentAssignment(id, e.target.value as Assignment);
          await directory.reload();
          toast(`${name}: ${label(e.target.value as Assignment).toLowerCase()}`);
        } catch (err) {
          toast(errorMessage(err), 'error');
        } finally {
          setBusy(false);
        }
      }}
    >
      {ASSIGNMENTS.map((a) => (
        <option key={a.value} value={a.value}>
          {a.label}
        </option>
      ))}
    </select>
  );
}

/**
 * An agent's capacity: a number saved when it changes (Enter or leaving the field), for
 * owners and admins; the number for others. Empty or 0 is the organization's default.
 */
export function AgentCapacity({
  id,
  name,
  capacity,
  defaultCapacity,
}: {
  id: string;
  name: string;
  capacity: number;
  /** The organization's, shown as the placeholder; unknown while loading. */
  defaultCapacity?: number;
}) {
  const { client, directory } = useServices();
  const me = useMe();
  const [text, setText] = useState(capacity ? String(capacity) : '');
  const [error, setError] = useState<string | null>(null);
  const fallback = defaultCapacity === undefined ? 'Default' : `Default (${defaultCapacity})`;
  if (!isAdmin(me)) return <span>{capacity || fallback}</span>;
  async function save() {
    const value = text.trim() === '' ? 0 : Number(text);
    if (value === capacity) return setError(null);
    try {
      await client.setAgentCapacity(id, Number.isInteger(value) ? value : -1);
      setError(null);
      await directory.reload();
      toast(value ? `${name} takes up to ${value} chats at once` : `${name} takes the default number of chats`);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <span className="capacity">
      <input
        className="input input-sm"
        type="number"
        inputMode="numeric"
        min={0}
        max={100}
        aria-label={`Capacity of ${name}`}
        aria-invalid={error ? true : undefined}
        placeholder={fallback}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void save()}
        onKeyDown={(e) => e.key === 'Enter' && void save()}
      />
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}

/** The organization's routing settings (agents may read them: the page shows them read-only). */
export function useRoutingSettings(client: AgentClient) {
  return useLoad(() => client.routingSettings(), [client]);
}

export function RoutingSection() {
  const { client } = useServices();
  const me = useMe();
  const admin = isAdmin(me);
  const { departments, agents, loaded } = useDirectory();
  const settings = useRoutingSettings(client);

  if (settings.error && !settings.data) return <ErrorState error={settings.error} retry={settings.reload} />;
  if (!settings.data || !loaded) return <Loading />;
  const s = settings.data;
  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>Routing</h2>
        <p className="muted">
          How waiting chats get an agent. An agent is free when their status is online, the dashboard is open, and they have fewer
          open chats than their capacity. Chats wait in line by priority, then by arrival; visitors see their place in the widget.
        </p>
        {!admin && (
          <p className="notice" role="note">
            Only owners and admins can change routing. Ask one of them if something should change.
          </p>
        )}
        <RoutingForm key={JSON.stringify(s)} settings={s} readOnly={!admin} onSaved={settings.set} />
      </section>
      <RulesSection admin={admin} />
      <SlaSection admin={admin} />
      <ScheduleSection admin={admin} />
      <section className="panel">
        <h2>Departments</h2>
        <p className="muted">
          A chat in a department goes to that department’s members, in the department’s own mode.{' '}
          {admin && (
            <>
              Create departments and choose members under <Link to="settings/departments">Departments</Link>.
            </>
          )}
        </p>
        {departments.length ? (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Department</th>
                <th scope="col">Members</th>
                <th scope="col">Assignment</th>
              </tr>
            </thead>
            <tbody>
              {departments.map((d) => (
                <tr key={d.id}>
                  <td>
                    <strong>{d.name}</strong>
                  </td>
                  <td>{d.members.map((m) => m.name).join(', ') || <span className="muted">No members</span>}</td>
                  <td>
                    <DepartmentAssignment id={d.id} name={d.name} assignment={d.assignment} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No departments yet: every chat follows the organization’s mode above.</p>
        )}
      </section>
      <section className="panel">
        <h2>Capacity</h2>
        <p className="muted">
          The most chats the router gives each agent at once. Leave it empty for the default ({s.defaultCapacity}). Agents can
          still take more chats themselves.
        </p>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Status</th>
              <th scope="col">Capacity</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id}>
                <td>
                  <strong>{a.name}</strong>
                </td>
                <td>{a.isOnline ? 'Online' : a.status === 'AWAY' ? 'Away' : 'Offline'}</td>
                <td>
                  <AgentCapacity
                    key={a.capacity}
                    id={a.id}
                    name={a.name}
                    capacity={a.capacity}
                    defaultCapacity={s.defaultCapacity}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

/** The organization's settings: a form for owners and admins, the same fields disabled for agents. */
function RoutingForm({
  settings,
  readOnly,
  onSaved,
}: {
  settings: RoutingSettings;
  readOnly: boolean;
  onSaved(s: RoutingSettings): void;
}) {
  const { client } = useServices();
  const [assignment, setAssignment] = useState(settings.assignment);
  const [capacity, setCapacity] = useState(String(settings.defaultCapacity));
  const [pendingCounts, setPendingCounts] = useState(settings.pendingCounts);
  const [grace, setGrace] = useState(String(settings.offlineGraceSeconds));
  const [reassign, setReassign] = useState(settings.reassignAfterSeconds ? String(settings.reassignAfterSeconds) : '');
  const [offer, setOffer] = useState(settings.offerSeconds ? String(settings.offerSeconds) : '');
  const save = useAction(async () => {
    // The server checks the ranges (and says so); a value that is not a whole number
    // goes as one it refuses, so the message is the server's either way.
    const whole = (text: string) => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : -1);
    // Empty is the same as 0 for both: never reassign, assign at once.
    const optional = (text: string) => (text.trim() === '' ? 0 : whole(text));
    const saved = await client
      .updateRoutingSettings({
        assignment,
        defaultCapacity: whole(capacity),
        pendingCounts,
        offlineGraceSeconds: whole(grace),
        reassignAfterSeconds: optional(reassign),
        offerSeconds: optional(offer),
      })
      .catch((e: { code?: string; message?: string }) => {
        // The server names the input's fields; the form names them as its labels do.
        throw {
          ...e,
          message: e.message
            ?.replace('defaultCapacity', 'default capacity')
            .replace('offlineGraceSeconds', 'offline grace')
            .replace('reassignAfterSeconds', 'reassign after')
            .replace('offerSeconds', 'offer chats for'),
        };
      });
    onSaved(saved);
    toast('Routing saved');
  });
  const hint = ASSIGNMENTS.find((a) => a.value === assignment)?.hint;
  return (
    <form
      className="grid-form"
      noValidate
      aria-label="Routing settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <fieldset disabled={readOnly} className="contents">
        <SelectField
          label="Assignment"
          value={assignment}
          onChange={(e) => setAssignment(e.target.value as Assignment)}
          hint={`${hint} For chats without a department.`}
        >
          {ASSIGNMENTS.map((a) => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Default capacity"
          type="number"
          inputMode="numeric"
          min={1}
          max={100}
          value={capacity}
          onChange={(e) => setCapacity(e.target.value)}
          hint="Chats an agent takes at once unless their own capacity says otherwise: 1 to 100."
        />
        <TextField
          label="Offline grace (seconds)"
          type="number"
          inputMode="numeric"
          min={0}
          max={3600}
          value={grace}
          onChange={(e) => setGrace(e.target.value)}
          hint="How long an agent still counts as online after their last dashboard tab closed: 0 to 3600."
        />
        <TextField
          label="Reassign unanswered chats after (seconds)"
          type="number"
          inputMode="numeric"
          min={0}
          max={3600}
          placeholder="Never"
          value={reassign}
          onChange={(e) => setReassign(e.target.value)}
          hint="A chat the router gave an agent goes back to the line, for someone else, when they have not replied in this time: 10 to 3600, empty or 0 for never."
        />
        <TextField
          label="Offer chats for (seconds)"
          type="number"
          inputMode="numeric"
          min={0}
          max={300}
          placeholder="Assign at once"
          value={offer}
          onChange={(e) => setOffer(e.target.value)}
          hint="The router offers each chat to the agent it picked, who accepts or declines it in this time; unanswered, it goes to the next free agent: 10 to 300, empty or 0 to assign at once."
        />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={pendingCounts} onChange={(e) => setPendingCounts(e.target.checked)} /> Pending chats
            count against capacity
          </label>
          <p className="hint check-hint">Open chats always count; pending ones wait on the visitor.</p>
        </div>
      </fieldset>
      <SaveEnd label="Save routing" busy={save.busy} error={save.error} readOnly={readOnly} />
    </form>
  );
}
