/**
 * SLA policies (docs/routing.md, "SLA policies"): targets for the first response, each next
 * response and the resolution of the conversations of a department and/or a priority; the
 * most specific policy that fits a conversation applies. Owners and admins add, edit and
 * delete them (targets in minutes or hours, sent in seconds); agents see the list
 * read-only. The server checks every policy (a target, the ranges, at most 20) and its
 * message shows under the form, or in the delete dialog.
 */
import type { Priority, SlaPolicy, SlaPolicyInput } from '@chinwag/sdk';
import { useState } from 'react';
import { useServices } from '../directory';
import { Button, ErrorState, Field, IconButton, Loading, TextField, useAction, useLoad } from '../ui';
import { DeleteDialog, DepartmentField, EditForm, PriorityField, saveItem } from './editing';

/** The server's limit; the Add button stops there. */
const MAX_POLICIES = 20;

const UNITS = [
  { value: 60, label: 'minutes' },
  { value: 3600, label: 'hours' },
] as const;

/** 900 → "15 min", 7200 → "2 h", 172800 → "2 days". */
function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${+(seconds / 60).toFixed(1)} min`;
}

/** A policy as the list reads it: "Sales, urgent: first response within 15 min; resolution within 8 h". */
function describe(p: SlaPolicy): string {
  const scope = [
    p.department ? p.department.name : 'Any department',
    p.priority ? `${p.priority.toLowerCase()} priority` : 'any priority',
  ].join(', ');
  const targets = [
    p.firstResponseSeconds != null && `first response within ${duration(p.firstResponseSeconds)}`,
    p.nextResponseSeconds != null && `next response within ${duration(p.nextResponseSeconds)}`,
    p.resolutionSeconds != null && `resolution within ${duration(p.resolutionSeconds)}`,
  ].filter(Boolean);
  return `${scope}: ${targets.join('; ')}${p.businessHours ? ', in business hours' : ', around the clock'}`;
}

export function SlaSection({ admin }: { admin: boolean }) {
  const { client } = useServices();
  const policies = useLoad(() => client.slaPolicies(), [client]);
  /** The policy being edited, `'new'` for a new one, null when the form is closed. */
  const [editing, setEditing] = useState<SlaPolicy | 'new' | null>(null);
  const [deleting, setDeleting] = useState<SlaPolicy | null>(null);
  const list = policies.data ?? [];

  if (policies.error && !policies.data) return <ErrorState error={policies.error} retry={policies.reload} />;
  return (
    <section className="panel">
      <h2>SLA policies</h2>
      <p className="muted">
        Targets for the first reply and for resolving a chat, counted from when it starts waiting, and for each later reply,
        counted from the visitor’s first unanswered message. The most specific policy that fits a chat applies: one for its
        department and priority, then its department, then its priority, then one for any. The inbox shows each chat’s next due
        time, amber within 10 minutes and red once missed.
      </p>
      {!policies.data ? (
        <Loading />
      ) : list.length ? (
        <ul className="rule-list" aria-label="SLA policies">
          {list.map((p) => (
            <li key={p.id} className="rule">
              <div className="rule-head">
                <strong>{p.name}</strong>
                {admin && (
                  <span className="rule-actions">
                    <Button size="sm" aria-label={`Edit ${p.name}`} onClick={() => setEditing(p)}>
                      Edit
                    </Button>
                    <IconButton icon="trash" label={`Delete ${p.name}`} onClick={() => setDeleting(p)} />
                  </span>
                )}
              </div>
              <p className="rule-summary">{describe(p)}</p>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No SLA policies: chats have no due times.</p>
      )}
      {admin &&
        (editing ? (
          <SlaForm
            key={editing === 'new' ? 'new' : editing.id}
            policy={editing === 'new' ? null : editing}
            onDone={(saved) => {
              setEditing(null);
              if (saved) policies.reload();
            }}
          />
        ) : (
          <div className="row-actions">
            <Button icon="plus" disabled={list.length >= MAX_POLICIES} onClick={() => setEditing('new')}>
              Add a policy
            </Button>
          </div>
        ))}
      <DeleteDialog
        item={deleting}
        onClose={() => setDeleting(null)}
        onDelete={async (p) => {
          await client.deleteSlaPolicy(p.id);
          policies.reload();
        }}
      >
        <p>New chats stop getting its targets. Chats that have due times keep them.</p>
      </DeleteDialog>
    </section>
  );
}

/** A target as the form shows it: a number in the larger unit that divides it. */
function target(seconds: number | null | undefined): { text: string; unit: number } {
  if (seconds == null) return { text: '', unit: 60 };
  return seconds % 3600 === 0 ? { text: String(seconds / 3600), unit: 3600 } : { text: String(seconds / 60), unit: 60 };
}

/** A target as typed, in seconds: null when empty; -1 (refused by the server, which says why) when not a number. */
function seconds(text: string, unit: number): number | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * unit) : -1;
}

/** A new policy, or an existing one, edited; `onDone(true)` once saved. */
function SlaForm({ policy, onDone }: { policy: SlaPolicy | null; onDone(saved: boolean): void }) {
  const { client } = useServices();
  const [name, setName] = useState(policy?.name ?? '');
  const [departmentId, setDepartmentId] = useState(policy?.department?.id ?? '');
  const [priority, setPriority] = useState<Priority | ''>(policy?.priority ?? '');
  const [first, setFirst] = useState(() => target(policy?.firstResponseSeconds));
  const [next, setNext] = useState(() => target(policy?.nextResponseSeconds));
  const [resolution, setResolution] = useState(() => target(policy?.resolutionSeconds));
  const [businessHours, setBusinessHours] = useState(policy?.businessHours ?? true);

  const save = useAction(async () => {
    const body: SlaPolicyInput = {
      name: name.trim(),
      departmentId: departmentId || null,
      priority: priority || null,
      firstResponseSeconds: seconds(first.text, first.unit),
      nextResponseSeconds: seconds(next.text, next.unit),
      resolutionSeconds: seconds(resolution.text, resolution.unit),
      businessHours,
    };
    await saveItem(policy, body, { create: client.createSlaPolicy, update: client.updateSlaPolicy }, onDone);
  });

  return (
    <EditForm
      noun="SLA policy"
      editing={policy?.name ?? null}
      busy={save.busy}
      error={save.error}
      onSubmit={() => void save.run()}
      onCancel={() => onDone(false)}
    >
      <div className="grid-form">
        <TextField label="Name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} required />
        <DepartmentField value={departmentId} none="Any" onChange={setDepartmentId} />
        <PriorityField value={priority} none="Any" onChange={setPriority} />
        <TargetField label="First response within" value={first} onChange={setFirst} />
        <TargetField
          label="Next response within"
          hint="Each later message the team has not answered yet"
          value={next}
          onChange={setNext}
        />
        <TargetField label="Resolution within" value={resolution} onChange={setResolution} />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={businessHours} onChange={(e) => setBusinessHours(e.target.checked)} /> Count business
            hours only
          </label>
          <p className="hint check-hint">The website’s opening hours; around the clock for a website without them.</p>
        </div>
      </div>
      <p className="hint">At least one target, each 1 minute to 30 days; leave a target empty for none.</p>
    </EditForm>
  );
}

/** A number and its unit (minutes or hours). */
function TargetField({
  label,
  hint,
  value,
  onChange,
}: {
  label: string;
  hint?: string;
  value: { text: string; unit: number };
  onChange(v: { text: string; unit: number }): void;
}) {
  return (
    <Field label={label} hint={hint}>
      {(p) => (
        <span className="sla-target">
          <input
            className="input"
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            placeholder="None"
            value={value.text}
            onChange={(e) => onChange({ ...value, text: e.target.value })}
            {...p}
          />
          <select
            className="input"
            aria-label={`${label}: unit`}
            value={value.unit}
            onChange={(e) => onChange({ ...value, unit: Number(e.target.value) })}
          >
            {UNITS.map((u) => (
              <option key={u.value} value={u.value}>
                {u.label}
              </option>
            ))}
          </select>
        </span>
      )}
    </Field>
  );
}
