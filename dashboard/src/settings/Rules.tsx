/**
 * Routing rules (docs/routing.md, "Routing rules"): the ordered list the server tries when
 * a conversation starts; the first enabled rule whose conditions all hold sets its
 * department, priority and tags. Owners and admins add, edit, switch, reorder and delete
 * rules, and try a rule on the last 100 conversations before saving it; agents see the
 * list read-only. Rules run again when an agent transfers a chat back to the line, where
 * the Department condition reads the department it went to. The server checks every rule
 * (keys, operators, limits) and its message shows under the form: the form itself only
 * shows the inputs a field and an operator use. Automations (`Automations.tsx`) share the
 * condition editor.
 */
import {
  WebsitesDocument,
  type Priority,
  type RoutingRule,
  type RoutingRuleInput,
  type RuleField,
  type RuleOperator,
} from '@chinwag/sdk';
import { useState } from 'react';
import { RoutingRuleDryRunDocument } from '../automations';
import { useDirectory, useServices } from '../directory';
import { DryRunButton, DryRunConversations } from './DryRun';
import { DeleteDialog, DepartmentField, EditForm, PriorityField, saveItem } from './editing';
import { Badge, Button, ErrorState, IconButton, Loading, SelectField, TextField, toast, useAction, useLoad } from '../ui';

type RuleCondition = RoutingRule['conditions'][number];

/** What a condition can look at, as the form names it; `keyed` fields need the key of what they read. */
const FIELDS: { value: RuleField; label: string; keyed?: string; flag?: boolean }[] = [
  { value: 'PRE_CHAT', label: 'Pre-chat answer', keyed: 'Pre-chat field key' },
  { value: 'PAGE_URL', label: 'Page address' },
  { value: 'WEBSITE', label: 'Website' },
  { value: 'LANGUAGE', label: 'Language' },
  { value: 'DEPARTMENT', label: 'Department' },
  { value: 'VISITOR_ATTRIBUTE', label: 'Browser attribute', keyed: 'Attribute' },
  { value: 'SERVER_ATTRIBUTE', label: 'Server attribute', keyed: 'Attribute' },
  { value: 'IDENTIFIED', label: 'Identified visitor', flag: true },
  { value: 'BUSINESS_HOURS', label: 'Within business hours', flag: true },
];

export const OPERATORS: { value: RuleOperator; label: string }[] = [
  { value: 'EQUALS', label: 'is' },
  { value: 'NOT_EQUALS', label: 'is not' },
  { value: 'CONTAINS', label: 'contains' },
  { value: 'STARTS_WITH', label: 'starts with' },
  { value: 'IN', label: 'is one of' },
  { value: 'IS_SET', label: 'is set' },
  { value: 'IS_TRUE', label: 'yes' },
  { value: 'IS_FALSE', label: 'no' },
  { value: 'AT_LEAST', label: 'at least' },
];

/** The operators a field takes (the server refuses the others). */
function operatorsFor(field: RuleField): RuleOperator[] {
  if (FIELDS.find((f) => f.value === field)?.flag) return ['IS_TRUE', 'IS_FALSE'];
  if (field === 'WEBSITE') return ['EQUALS', 'NOT_EQUALS', 'IN'];
  if (field === 'LANGUAGE') return ['EQUALS', 'NOT_EQUALS', 'STARTS_WITH', 'IN', 'IS_SET'];
  if (field === 'DEPARTMENT') return ['EQUALS', 'NOT_EQUALS', 'IN', 'IS_SET'];
  return ['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'STARTS_WITH', 'IN', 'IS_SET'];
}

const fieldLabel = (f: RuleField) => FIELDS.find((x) => x.value === f)?.label ?? f;
export const operatorLabel = (o: RuleOperator) => OPERATORS.find((x) => x.value === o)?.label ?? o;
/** A comma-separated list as typed: its items, trimmed, blanks left out. */
export const listOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The names the sentences use for ids: websites' and departments'. */
export interface Names {
  website(id: string): string;
  department(id: string): string;
}

/** A condition as the list reads it: "Pre-chat answer topic is Sales". */
export function describeCondition(c: RuleCondition, names: Names): string {
  const what = c.field === 'WEBSITE' ? names.website : c.field === 'DEPARTMENT' ? names.department : (v: string) => `“${v}”`;
  const subject = `${fieldLabel(c.field)}${c.key ? ` ${c.key}` : ''}`;
  if (c.operator === 'IS_TRUE' || c.operator === 'IS_FALSE') return `${subject}: ${operatorLabel(c.operator)}`;
  if (c.operator === 'IS_SET') return `${subject} is set`;
  if (c.operator === 'IN') return `${subject} is one of ${c.values.map(what).join(', ')}`;
  return `${subject} ${operatorLabel(c.operator)} ${what(c.value ?? '')}`;
}

/** "If A and B", or `none` without conditions. */
export const describeConditions = (conditions: RuleCondition[], names: Names, none: string) =>
  conditions.length ? `If ${conditions.map((c) => describeCondition(c, names)).join(' and ')}` : none;

/** A condition being edited: `values` as typed (comma-separated). */
export interface ConditionRow {
  id: number;
  field: RuleField;
  operator: RuleOperator;
  key: string;
  value: string;
  values: string;
}

let nextId = 1;
export const conditionRow = (c?: RuleCondition): ConditionRow => ({
  id: nextId++,
  field: c?.field ?? 'PRE_CHAT',
  operator: c?.operator ?? 'EQUALS',
  key: c?.key ?? '',
  value: c?.value ?? '',
  values: c?.values.join(', ') ?? '',
});

/** The conditions being edited, as the server takes them (it checks them, and says what is wrong). */
export function conditionInputs(rows: ConditionRow[]): RuleCondition[] {
  return rows.map((c) => {
    const keyed = FIELDS.find((f) => f.value === c.field)?.keyed;
    const valued = !['IS_SET', 'IS_TRUE', 'IS_FALSE', 'IN'].includes(c.operator);
    return {
      field: c.field,
      operator: c.operator,
      key: keyed ? c.key.trim() || null : null,
      value: valued ? c.value.trim() : null,
      values: c.operator === 'IN' ? listOf(c.values) : [],
    };
  });
}

/** The names of things an id condition picks from, as the sentences name them. */
function useNames(websites: { id: string; name: string }[]): Names {
  const { departments } = useDirectory();
  return {
    website: (id) => websites.find((w) => w.id === id)?.name ?? id,
    department: (id) => departments.find((d) => d.id === id)?.name ?? 'a deleted department',
  };
}

export function RulesSection({ admin }: { admin: boolean }) {
  const { client } = useServices();
  const rules = useLoad(() => client.routingRules(), [client]);
  const websites = useLoad(async () => (await client.request(WebsitesDocument)).websites, [client]);
  /** The rule being edited, `'new'` for a new one, null when the form is closed. */
  const [editing, setEditing] = useState<RoutingRule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<RoutingRule | null>(null);
  const list = rules.data ?? [];
  const names = useNames(websites.data ?? []);

  const change = useAction(async (work: () => Promise<unknown>, done: string) => {
    await work();
    rules.reload();
    toast(done);
  });
  const move = (index: number, by: number) => {
    const ids = list.map((r) => r.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    void change.run(() => client.orderRoutingRules(ids), `${list[index]!.name} moved ${by < 0 ? 'up' : 'down'}`);
  };

  if (rules.error && !rules.data) return <ErrorState error={rules.error} retry={rules.reload} />;
  return (
    <section className="panel">
      <h2>Rules</h2>
      <p className="muted">
        When a chat starts, the first enabled rule whose conditions all hold sends it to a department, sets its priority and adds
        tags. A rule without conditions matches every chat: keep it last. Pre-chat answers and browser attributes come from the
        visitor: route on them for convenience, never for privilege (a server attribute only your server can set).
      </p>
      <p className="muted">
        Rules run again when an agent transfers a chat back to the line (to a department, or to nobody): then Department reads the
        department it was transferred to, and a matching rule sets its priority and tags (its department only when the transfer
        named none).
      </p>
      {!rules.data ? (
        <Loading />
      ) : list.length ? (
        <ol className="rule-list" aria-label="Routing rules">
          {list.map((r, index) => (
            <li key={r.id} className="rule">
              <div className="rule-head">
                <span className="rule-position">{index + 1}</span>
                <strong>{r.name}</strong>
                {!r.enabled && <Badge>Off</Badge>}
                {admin && (
                  <span className="rule-actions">
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={r.enabled}
                        aria-label={`${r.name} enabled`}
                        disabled={change.busy}
                        onChange={(e) =>
                          void change.run(
                            () => client.updateRoutingRule(r.id, { ...input(r), enabled: e.target.checked }),
                            `${r.name} ${e.target.checked ? 'on' : 'off'}`,
                          )
                        }
                      />{' '}
                      Enabled
                    </label>
                    <IconButton
                      icon="up"
                      label={`Move ${r.name} up`}
                      disabled={index === 0 || change.busy}
                      onClick={() => move(index, -1)}
                    />
                    <IconButton
                      icon="down"
                      label={`Move ${r.name} down`}
                      disabled={index === list.length - 1 || change.busy}
                      onClick={() => move(index, 1)}
                    />
                    <Button size="sm" aria-label={`Edit ${r.name}`} onClick={() => setEditing(r)}>
                      Edit
                    </Button>
                    <IconButton icon="trash" label={`Delete ${r.name}`} onClick={() => setDeleting(r)} />
                  </span>
                )}
              </div>
              <p className="rule-summary">
                {describeConditions(r.conditions, names, 'Every chat')}
                {' → '}
                {[
                  r.actions.departmentId && `to ${names.department(r.actions.departmentId)}`,
                  r.actions.priority && `${r.actions.priority.toLowerCase()} priority`,
                  r.actions.tags.length > 0 && `tags ${r.actions.tags.join(', ')}`,
                ]
                  .filter(Boolean)
                  .join('; ')}
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No rules: chats go to no department and follow the organization’s assignment.</p>
      )}
      {change.error && (
        <p className="form-error" role="alert">
          {change.error}
        </p>
      )}
      {admin &&
        (editing ? (
          <RuleForm
            key={editing === 'new' ? 'new' : editing.id}
            rule={editing === 'new' ? null : editing}
            websites={websites.data ?? []}
            onDone={(saved) => {
              setEditing(null);
              if (saved) rules.reload();
            }}
          />
        ) : (
          <div className="row-actions">
            <Button icon="plus" disabled={list.length >= 50} onClick={() => setEditing('new')}>
              Add a rule
            </Button>
          </div>
        ))}
      <DeleteDialog
        item={deleting}
        onClose={() => setDeleting(null)}
        onDelete={async (rule) => {
          await client.deleteRoutingRule(rule.id);
          rules.reload();
        }}
      >
        <p>New chats stop following this rule. Chats it routed keep their department, priority and tags.</p>
      </DeleteDialog>
    </section>
  );
}

/** A stored rule as the input that saves it unchanged. */
function input(r: RoutingRule): RoutingRuleInput {
  return {
    name: r.name,
    enabled: r.enabled,
    conditions: r.conditions.map(({ field, operator, key, value, values }) => ({ field, operator, key, value, values })),
    actions: { departmentId: r.actions.departmentId, priority: r.actions.priority, tags: r.actions.tags },
  };
}

/** A new rule, or an existing one, edited; `onDone(true)` once saved. */
function RuleForm({
  rule,
  websites,
  onDone,
}: {
  rule: RoutingRule | null;
  websites: { id: string; name: string }[];
  onDone(saved: boolean): void;
}) {
  const { client } = useServices();
  const [name, setName] = useState(rule?.name ?? '');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [conditions, setConditions] = useState<ConditionRow[]>(() => rule?.conditions.map(conditionRow) ?? [conditionRow()]);
  const [departmentId, setDepartmentId] = useState(rule?.actions.departmentId ?? '');
  const [priority, setPriority] = useState<Priority | ''>(rule?.actions.priority ?? '');
  const [tags, setTags] = useState(rule?.actions.tags.join(', ') ?? '');

  const body = (): RoutingRuleInput => ({
    name: name.trim(),
    enabled,
    conditions: conditionInputs(conditions),
    actions: { departmentId: departmentId || null, priority: priority || null, tags: listOf(tags) },
  });
  const save = useAction(() =>
    saveItem(rule, body(), { create: client.createRoutingRule, update: client.updateRoutingRule }, onDone),
  );

  return (
    <EditForm
      noun="rule"
      editing={rule?.name ?? null}
      busy={save.busy}
      error={save.error}
      onSubmit={() => void save.run()}
      onCancel={() => onDone(false)}
    >
      <div className="grid-form">
        <TextField label="Name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} required />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
        </div>
      </div>
      <ConditionsEditor rows={conditions} onChange={setConditions} websites={websites} none="the rule matches every chat" />
      <fieldset className="fieldset">
        <legend>Then (at least one)</legend>
        <div className="grid-form">
          <DepartmentField value={departmentId} none="No change" onChange={setDepartmentId} />
          <PriorityField value={priority} none="No change" onChange={setPriority} />
          <TextField
            label="Tags"
            hint="Added to the chat, separated by commas"
            value={tags}
            onChange={(e) => setTags(e.target.value)}
          />
        </div>
      </fieldset>
      <DryRunButton
        verb="Would have matched"
        run={async () =>
          (await client.request(RoutingRuleDryRunDocument, { input: { ...body(), name: body().name || 'Dry run' } }))
            .routingRuleDryRun
        }
      >
        {(result) => <DryRunConversations result={result} />}
      </DryRunButton>
    </EditForm>
  );
}

/**
 * The routing rules' conditions, edited (the rule form's, and the automation form's): each
 * a field, its key where it has one, an operator the field takes and the value or values
 * that operator compares with. `none` says what no conditions means.
 */
export function ConditionsEditor({
  rows,
  onChange,
  websites,
  none,
}: {
  rows: ConditionRow[];
  onChange(change: (rows: ConditionRow[]) => ConditionRow[]): void;
  websites: { id: string; name: string }[];
  none: string;
}) {
  const { departments } = useDirectory();
  const setCondition = (id: number, change: Partial<ConditionRow>) =>
    onChange((list) => list.map((c) => (c.id === id ? { ...c, ...change } : c)));
  return (
    <fieldset className="fieldset">
      <legend>Conditions (all must hold)</legend>
      {rows.length === 0 && <p className="muted">No conditions: {none}.</p>}
      <ol className="condition-list" aria-label="Conditions">
        {rows.map((c, index) => {
          const field = FIELDS.find((f) => f.value === c.field)!;
          const operators = operatorsFor(c.field);
          const multiple = c.operator === 'IN';
          const single = !multiple && !['IS_SET', 'IS_TRUE', 'IS_FALSE'].includes(c.operator);
          const choices =
            c.field === 'WEBSITE'
              ? { none: 'Choose a website', list: websites }
              : c.field === 'DEPARTMENT'
                ? { none: 'Choose a department', list: departments }
                : null;
          return (
            <li key={c.id}>
              <fieldset className="condition">
                <legend className="prechat-legend">Condition {index + 1}</legend>
                <SelectField
                  label="Field"
                  value={c.field}
                  onChange={(e) => {
                    const next = e.target.value as RuleField;
                    const ops = operatorsFor(next);
                    const sameKind = (f: RuleField) => (f === 'WEBSITE' || f === 'DEPARTMENT' ? f : 'text');
                    setCondition(c.id, {
                      field: next,
                      operator: ops.includes(c.operator) ? c.operator : ops[0]!,
                      // An id of one kind means nothing to another.
                      ...(sameKind(next) !== sameKind(c.field) ? { value: '', values: '' } : {}),
                    });
                  }}
                >
                  {FIELDS.map((f) => (
                    <option key={f.value} value={f.value}>
                      {f.label}
                    </option>
                  ))}
                </SelectField>
                {field.keyed && (
                  <TextField label={field.keyed} value={c.key} onChange={(e) => setCondition(c.id, { key: e.target.value })} />
                )}
                <SelectField
                  label="Operator"
                  value={c.operator}
                  onChange={(e) => setCondition(c.id, { operator: e.target.value as RuleOperator })}
                >
                  {operators.map((o) => (
                    <option key={o} value={o}>
                      {operatorLabel(o)}
                    </option>
                  ))}
                </SelectField>
                {single &&
                  (choices ? (
                    <SelectField label="Value" value={c.value} onChange={(e) => setCondition(c.id, { value: e.target.value })}>
                      <option value="">{choices.none}</option>
                      {choices.list.map((w) => (
                        <option key={w.id} value={w.id}>
                          {w.name}
                        </option>
                      ))}
                    </SelectField>
                  ) : (
                    <TextField label="Value" value={c.value} onChange={(e) => setCondition(c.id, { value: e.target.value })} />
                  ))}
                {multiple &&
                  (choices ? (
                    <fieldset className="pick-many">
                      <legend>Values</legend>
                      {choices.list.map((w) => {
                        const picked = listOf(c.values);
                        return (
                          <label key={w.id} className="check">
                            <input
                              type="checkbox"
                              checked={picked.includes(w.id)}
                              onChange={(e) =>
                                setCondition(c.id, {
                                  values: (e.target.checked ? [...picked, w.id] : picked.filter((x) => x !== w.id)).join(', '),
                                })
                              }
                            />{' '}
                            {w.name}
                          </label>
                        );
                      })}
                    </fieldset>
                  ) : (
                    <TextField
                      label="Values"
                      hint="Separated by commas"
                      value={c.values}
                      onChange={(e) => setCondition(c.id, { values: e.target.value })}
                    />
                  ))}
                <span className="prechat-actions">
                  <IconButton
                    icon="trash"
                    label={`Remove condition ${index + 1}`}
                    onClick={() => onChange((list) => list.filter((x) => x.id !== c.id))}
                  />
                </span>
                {c.field === 'LANGUAGE' && (
                  <p className="hint span-all">
                    The browser’s first language, as a code like fr or fr-ca: “starts with fr” matches every French.
                  </p>
                )}
              </fieldset>
            </li>
          );
        })}
      </ol>
      <div className="row-actions">
        <Button size="sm" icon="plus" disabled={rows.length >= 10} onClick={() => onChange((list) => [...list, conditionRow()])}>
          Add a condition
        </Button>
      </div>
    </fieldset>
  );
}
