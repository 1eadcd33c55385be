/**
 * The pieces of a settings list edited in place, shared by the routing rules (`Rules.tsx`)
 * and the SLA policies (`Sla.tsx`): the form under the list with its Save and Cancel and the
 * server's refusal under it, the department and priority selects, and the delete that asks
 * first (its refusal shows in the dialog); the end of a settings form saved whole (the
 * routing settings, the schedule): its Save button and the server's refusal; and the move
 * up / move down buttons of an ordered list (automations, triggers).
 */
import type { Priority } from '@chinwag/sdk';
import { useEffect, useState, type ReactNode } from 'react';
import { useDirectory } from '../directory';
import { PRIORITIES } from '../inbox/format';
import { Button, Dialog, IconButton, SelectField, toast, useAction } from '../ui';

/**
 * Saves `body` as a new item, or over `existing`; then says so and closes the form
 * (`onDone(true)`). A refusal throws, for the form's action to show.
 */
export async function saveItem<B extends { name: string }>(
  existing: { id: string } | null,
  body: B,
  { create, update }: { create(body: B): Promise<unknown>; update(id: string, body: B): Promise<unknown> },
  onDone: (saved: boolean) => void,
) {
  if (existing) await update(existing.id, body);
  else await create(body);
  toast(existing ? `${body.name} saved` : `${body.name} added`);
  onDone(true);
}

/**
 * The form of a new `noun` ("New rule", "Add rule"), or of the one named `editing` ("Edit
 * Sales", "Save rule").
 */
export function EditForm({
  noun,
  editing,
  busy,
  error,
  onSubmit,
  onCancel,
  children,
}: {
  noun: string;
  editing: string | null;
  busy: boolean;
  error: string | null;
  onSubmit(): void;
  onCancel(): void;
  children: ReactNode;
}) {
  const title = editing === null ? `New ${noun}` : `Edit ${editing}`;
  return (
    <form
      className="rule-form stack"
      noValidate
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <h3>{title}</h3>
      {children}
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={busy}>
          {editing === null ? 'Add' : 'Save'} {noun}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** The organization's departments, after an option for none (`none` names it). */
export function DepartmentField({ value, none, onChange }: { value: string; none: string; onChange(id: string): void }) {
  const { departments } = useDirectory();
  return (
    <SelectField label="Department" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{none}</option>
      {departments.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name}
        </option>
      ))}
    </SelectField>
  );
}

/** The priorities, after an option for none (`none` names it). */
export function PriorityField({
  value,
  none,
  onChange,
}: {
  value: Priority | '';
  none: string;
  onChange(p: Priority | ''): void;
}) {
  return (
    <SelectField label="Priority" value={value} onChange={(e) => onChange(e.target.value as Priority | '')}>
      <option value="">{none}</option>
      {PRIORITIES.map((p) => (
        <option key={p.value} value={p.value}>
          {p.label}
        </option>
      ))}
    </SelectField>
  );
}

/**
 * "Delete X?", open while `item` is set: `children` say what deleting it does; Delete runs
 * `onDelete`, then says so and closes; a refusal stays in the dialog until it closes.
 */
export function DeleteDialog<T extends { name: string }>({
  item,
  onClose,
  onDelete,
  children,
}: {
  item: T | null;
  onClose(): void;
  onDelete(item: T): Promise<unknown>;
  children: ReactNode;
}) {
  const remove = useAction(async (it: T) => {
    await onDelete(it);
    onClose();
    toast(`${it.name} deleted`);
  });
  const close = () => {
    remove.setError(null);
    onClose();
  };
  return (
    <Dialog
      open={!!item}
      title={`Delete ${item?.name ?? ''}?`}
      onClose={close}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="danger" busy={remove.busy} onClick={() => item && void remove.run(item)}>
            Delete
          </Button>
        </>
      }
    >
      {children}
      {remove.error && (
        <p className="form-error" role="alert">
          {remove.error}
        </p>
      )}
    </Dialog>
  );
}

/** A settings form's end: its Save button (none when read-only) and the server's refusal under it. */
export function SaveEnd({
  label,
  busy,
  error,
  readOnly,
}: {
  label: string;
  busy: boolean;
  error: string | null;
  readOnly: boolean;
}) {
  return (
    <>
      {!readOnly && (
        <div className="row-actions">
          <Button type="submit" variant="primary" busy={busy}>
            {label}
          </Button>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/**
 * Move up / move down for the items of an ordered list (automations, triggers): `save`
 * sends every id once, first to last, and answers the list in its new order, which
 * `show` displays. Focus follows the moved item to its new place (its same button, or
 * the other one at either end), so that a keyboard user can press again; a toast says
 * where it went; the server's refusal is `error`.
 */
export function useOrdering<T extends { id: string; name: string }>(
  list: T[],
  save: (ids: string[]) => Promise<T[]>,
  show: (list: T[]) => void,
) {
  const [focus, setFocus] = useState<string | null>(null);
  const move = useAction(async (index: number, by: number) => {
    const ids = list.map((x) => x.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    show(await save(ids));
    setFocus(`${id}:${by < 0 ? 'up' : 'down'}`);
    toast(`${list[index]!.name} moved ${by < 0 ? 'up' : 'down'}: now ${index + by + 1} of ${list.length}`);
  });
  useEffect(() => {
    if (!focus || move.busy) return;
    const [id, way] = focus.split(':');
    const button = (w: string) => document.querySelector<HTMLButtonElement>(`[data-move="${id}:${w}"]`);
    const same = button(way!);
    (same && !same.disabled ? same : button(way === 'up' ? 'down' : 'up'))?.focus();
    setFocus(null);
  }, [list, focus, move.busy]);
  const buttons = (item: T, index: number, disabled = false) => (
    <>
      <IconButton
        icon="up"
        label={`Move ${item.name} up`}
        data-move={`${item.id}:up`}
        disabled={disabled || move.busy || index === 0}
        onClick={() => void move.run(index, -1)}
      />
      <IconButton
        icon="down"
        label={`Move ${item.name} down`}
        data-move={`${item.id}:down`}
        disabled={disabled || move.busy || index === list.length - 1}
        onClick={() => void move.run(index, 1)}
      />
    </>
  );
  return { buttons, error: move.error };
}
