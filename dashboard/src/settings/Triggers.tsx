/**
 * Settings › Triggers (docs/routing.md, "Triggers"): a website's proactive messages. The
 * widget shows the first enabled trigger whose conditions hold on the visitor's page (the
 * address, where they came from, time on the page, pages viewed, a returning visitor),
 * and the server decides the two it knows (business hours, an agent online). Owners and
 * admins add, edit, switch and delete a website's triggers and try their conditions on
 * the website's last 100 page views; agents see them read-only. The form offers only the
 * operators each field takes, and previews the bubble the visitor sees.
 */
import { WebsitesDocument, type RuleOperator } from '@chinwag/sdk';
import { useState } from 'react';
import {
  CreateTriggerDocument,
  DeleteTriggerDocument,
  OrderTriggersDocument,
  TriggerDryRunDocument,
  TriggersDocument,
  UpdateTriggerDocument,
  type Trigger,
  type TriggerCondition,
  type TriggerField,
  type TriggerInput,
} from '../automations';
import { useDirectory, useServices } from '../directory';
import { fullDate } from '../inbox/format';
import { navigate } from '../router';
import { isAdmin, useMe } from '../session';
import {
  Avatar,
  Badge,
  Button,
  EmptyState,
  ErrorState,
  IconButton,
  Loading,
  SelectField,
  TextArea,
  TextField,
  toast,
  useAction,
  useLoad,
} from '../ui';
import { DryRunButton } from './DryRun';
import { DeleteDialog, EditForm, saveItem, useOrdering } from './editing';
import { listOf, operatorLabel } from './Rules';

/** What a trigger's condition looks at, the operators it takes, and what its number counts. */
const FIELDS: { value: TriggerField; label: string; operators: RuleOperator[]; unit?: string; server?: boolean }[] = [
  { value: 'PAGE_URL', label: 'Page address', operators: ['CONTAINS', 'EQUALS', 'NOT_EQUALS', 'STARTS_WITH', 'IN'] },
  {
    value: 'REFERRER',
    label: 'Came from (referrer)',
    operators: ['CONTAINS', 'EQUALS', 'NOT_EQUALS', 'STARTS_WITH', 'IN', 'IS_SET'],
  },
  { value: 'TIME_ON_PAGE', label: 'Time on the page', operators: ['AT_LEAST'], unit: 'Seconds' },
  { value: 'PAGES_VIEWED', label: 'Pages viewed this visit', operators: ['AT_LEAST'], unit: 'Pages' },
  { value: 'RETURNING', label: 'Returning visitor', operators: ['IS_TRUE', 'IS_FALSE'] },
  { value: 'BUSINESS_HOURS', label: 'Within business hours', operators: ['IS_TRUE', 'IS_FALSE'], server: true },
  { value: 'AGENTS_ONLINE', label: 'An agent is online', operators: ['IS_TRUE', 'IS_FALSE'], server: true },
];
const field = (f: TriggerField) => FIELDS.find((x) => x.value === f)!;

function describeCondition(c: TriggerCondition): string {
  const f = field(c.field);
  if (c.operator === 'IS_TRUE' || c.operator === 'IS_FALSE') return `${f.label}: ${operatorLabel(c.operator)}`;
  if (c.operator === 'AT_LEAST') return `${f.label} at least ${c.value} ${f.unit?.toLowerCase() ?? ''}`.trim();
  if (c.operator === 'IS_SET') return `${f.label} is set`;
  if (c.operator === 'IN') return `${f.label} is one of ${c.values.map((v) => `“${v}”`).join(', ')}`;
  return `${f.label} ${operatorLabel(c.operator)} “${c.value ?? ''}”`;
}

interface Row {
  id: number;
  field: TriggerField;
  operator: RuleOperator;
  value: string;
  values: string;
}
let nextId = 1;
const row = (c?: TriggerCondition): Row => ({
  id: nextId++,
  field: c?.field ?? 'PAGE_URL',
  operator: c?.operator ?? 'CONTAINS',
  value: c?.value ?? '',
  values: c?.values.join(', ') ?? '',
});
const conditionInputs = (rows: Row[]): TriggerCondition[] =>
  rows.map((r) => ({
    field: r.field,
    operator: r.operator,
    value: ['IS_SET', 'IS_TRUE', 'IS_FALSE', 'IN'].includes(r.operator) ? null : r.value.trim(),
    values: r.operator === 'IN' ? listOf(r.values) : [],
  }));

export function TriggersSection({ websiteId }: { websiteId: string | null }) {
  const { client } = useServices();
  const me = useMe();
  const admin = isAdmin(me);
  const { agents } = useDirectory();
  const websites = useLoad(async () => (await client.request(WebsitesDocument)).websites, [client]);
  const website = websites.data?.find((w) => w.id === websiteId) ?? websites.data?.[0] ?? null;
  const triggers = useLoad(
    async () => (website ? (await client.request(TriggersDocument, { websiteId: website.id })).triggers : []),
    [client, website?.id],
  );
  const [editing, setEditing] = useState<Trigger | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Trigger | null>(null);
  const list = triggers.data ?? [];
  const change = useAction(async (work: () => Promise<unknown>, done: string) => {
    await work();
    triggers.reload();
    toast(done);
  });
  const order = useOrdering(
    list,
    async (ids) => (await client.request(OrderTriggersDocument, { websiteId: website!.id, ids })).orderTriggers,
    triggers.set,
  );

  if (websites.error && !websites.data) return <ErrorState error={websites.error} retry={websites.reload} />;
  if (!websites.data) return <Loading />;
  if (!website)
    return (
      <EmptyState icon="settings" title="No website yet">
        <p>Triggers belong to a website: add one under Websites & widget first.</p>
      </EmptyState>
    );
  const sender = (t: { agentId: string | null }) =>
    (t.agentId && agents.find((a) => a.id === t.agentId)?.name) || `${website.name} (the team)`;
  return (
    <section className="panel">
      <h2>Triggers</h2>
      <p className="muted">
        A trigger greets visitors first: when its conditions hold on their page, the widget shows its message by the launcher (or
        opens the chat with it), at most once per visitor. Nothing is stored unless the visitor replies.
      </p>
      <p className="muted">
        The widget checks them in the order below, first to last (move them with the arrows), and shows the first enabled trigger
        whose conditions hold: put the most specific first.
      </p>
      {!admin && (
        <p className="notice" role="note">
          Only owners and admins can change triggers. Ask one of them if something should change.
        </p>
      )}
      <div className="grid-form">
        <SelectField
          label="Website"
          value={website.id}
          onChange={(e) => {
            setEditing(null);
            navigate(`settings/triggers/${e.target.value}`, { replace: true });
          }}
        >
          {websites.data.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </SelectField>
      </div>
      {triggers.error && !triggers.data ? (
        <ErrorState error={triggers.error} retry={triggers.reload} />
      ) : !triggers.data || triggers.loading ? (
        <Loading />
      ) : list.length ? (
        <ol className="rule-list" aria-label="Triggers">
          {list.map((t, index) => (
            <li key={t.id} className="rule">
              <div className="rule-head">
                <span className="rule-position">{index + 1}</span>
                <strong>{t.name}</strong>
                {!t.enabled && <Badge>Off</Badge>}
                {admin && (
                  <span className="rule-actions">
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={t.enabled}
                        aria-label={`${t.name} enabled`}
                        disabled={change.busy}
                        onChange={(e) =>
                          void change.run(
                            () =>
                              client.request(UpdateTriggerDocument, {
                                id: t.id,
                                input: { ...input(t), enabled: e.target.checked },
                              }),
                            `${t.name} ${e.target.checked ? 'on' : 'off'}`,
                          )
                        }
                      />{' '}
                      Enabled
                    </label>
                    {order.buttons(t, index, change.busy)}
                    <Button size="sm" aria-label={`Edit ${t.name}`} onClick={() => setEditing(t)}>
                      Edit
                    </Button>
                    <IconButton icon="trash" label={`Delete ${t.name}`} onClick={() => setDeleting(t)} />
                  </span>
                )}
              </div>
              <p className="rule-summary">
                {t.conditions.length ? `If ${t.conditions.map(describeCondition).join(' and ')}` : 'Every page'}
                {' → '}
                {sender(t)}: “{t.message.length > 80 ? `${t.message.slice(0, 80)}…` : t.message}”
                {t.openPanel && ' (opens the chat)'}
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No triggers on {website.name}: the widget waits for visitors to write first.</p>
      )}
      {(change.error || order.error) && (
        <p className="form-error" role="alert">
          {change.error || order.error}
        </p>
      )}
      {admin &&
        (editing ? (
          <TriggerForm
            key={editing === 'new' ? 'new' : editing.id}
            trigger={editing === 'new' ? null : editing}
            website={website}
            onDone={(saved) => {
              setEditing(null);
              if (saved) triggers.reload();
            }}
          />
        ) : (
          <div className="row-actions">
            <Button icon="plus" disabled={list.length >= 20} onClick={() => setEditing('new')}>
              Add a trigger
            </Button>
          </div>
        ))}
      <DeleteDialog
        item={deleting}
        onClose={() => setDeleting(null)}
        onDelete={async (t) => {
          await client.request(DeleteTriggerDocument, { id: t.id });
          triggers.reload();
        }}
      >
        <p>The widget stops showing it. Chats that began with it keep its message.</p>
      </DeleteDialog>
    </section>
  );
}

function input(t: Trigger): TriggerInput {
  return {
    name: t.name,
    enabled: t.enabled,
    conditions: t.conditions.map(({ field, operator, value, values }) => ({ field, operator, value, values })),
    message: t.message,
    agentId: t.agentId,
    openPanel: t.openPanel,
  };
}

function TriggerForm({
  trigger: t,
  website,
  onDone,
}: {
  trigger: Trigger | null;
  website: { id: string; name: string };
  onDone(saved: boolean): void;
}) {
  const { client } = useServices();
  const { agents } = useDirectory();
  const [name, setName] = useState(t?.name ?? '');
  const [enabled, setEnabled] = useState(t?.enabled ?? true);
  const [rows, setRows] = useState<Row[]>(() => t?.conditions.map(row) ?? [row()]);
  const [message, setMessage] = useState(t?.message ?? '');
  const [agentId, setAgentId] = useState(t?.agentId ?? '');
  const [openPanel, setOpenPanel] = useState(t?.openPanel ?? false);
  const set = (id: number, change: Partial<Row>) => setRows((list) => list.map((r) => (r.id === id ? { ...r, ...change } : r)));

  const body = (): TriggerInput => ({
    name: name.trim(),
    enabled,
    conditions: conditionInputs(rows),
    message: message.trim(),
    agentId: agentId || null,
    openPanel,
  });
  const save = useAction(() =>
    saveItem(
      t,
      body(),
      {
        create: (input) => client.request(CreateTriggerDocument, { websiteId: website.id, input }),
        update: (id, input) => client.request(UpdateTriggerDocument, { id, input }),
      },
      onDone,
    ),
  );
  const agent = agents.find((a) => a.id === agentId);
  const senderName = agent?.name ?? website.name;

  return (
    <EditForm
      noun="trigger"
      editing={t?.name ?? null}
      busy={save.busy}
      error={save.error}
      onSubmit={() => void save.run()}
      onCancel={() => onDone(false)}
    >
      <div className="grid-form">
        <TextField
          label="Name"
          value={name}
          maxLength={100}
          hint="For your team; visitors do not see it."
          onChange={(e) => setName(e.target.value)}
          required
        />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
        </div>
      </div>
      <fieldset className="fieldset">
        <legend>Show it when (all must hold)</legend>
        {rows.length === 0 && <p className="muted">No conditions: on every page.</p>}
        <ol className="condition-list" aria-label="Conditions">
          {rows.map((r, index) => {
            const f = field(r.field);
            const multiple = r.operator === 'IN';
            const single = !multiple && !['IS_SET', 'IS_TRUE', 'IS_FALSE'].includes(r.operator);
            return (
              <li key={r.id}>
                <fieldset className="condition">
                  <legend className="prechat-legend">Condition {index + 1}</legend>
                  <SelectField
                    label="Field"
                    value={r.field}
                    onChange={(e) => {
                      const next = field(e.target.value as TriggerField);
                      const numeric = (x: typeof next) => x.operators[0] === 'AT_LEAST';
                      set(r.id, {
                        field: next.value,
                        operator: next.operators.includes(r.operator) ? r.operator : next.operators[0]!,
                        ...(numeric(next) !== numeric(f) ? { value: '' } : {}),
                      });
                    }}
                  >
                    {FIELDS.map((x) => (
                      <option key={x.value} value={x.value}>
                        {x.label}
                      </option>
                    ))}
                  </SelectField>
                  <SelectField
                    label="Operator"
                    value={r.operator}
                    onChange={(e) => set(r.id, { operator: e.target.value as RuleOperator })}
                  >
                    {f.operators.map((o) => (
                      <option key={o} value={o}>
                        {operatorLabel(o)}
                      </option>
                    ))}
                  </SelectField>
                  {single && (
                    <TextField
                      label={f.unit ?? 'Value'}
                      type={f.unit ? 'number' : 'text'}
                      inputMode={f.unit ? 'numeric' : undefined}
                      min={f.unit ? 0 : undefined}
                      value={r.value}
                      placeholder={r.field === 'PAGE_URL' ? '/pricing' : r.field === 'REFERRER' ? 'google.' : undefined}
                      onChange={(e) => set(r.id, { value: e.target.value })}
                    />
                  )}
                  {multiple && (
                    <TextField
                      label="Values"
                      hint="Separated by commas"
                      value={r.values}
                      onChange={(e) => set(r.id, { values: e.target.value })}
                    />
                  )}
                  {!single && !multiple && <span />}
                  <span className="prechat-actions">
                    <IconButton
                      icon="trash"
                      label={`Remove condition ${index + 1}`}
                      onClick={() => setRows((list) => list.filter((x) => x.id !== r.id))}
                    />
                  </span>
                  {f.server && <p className="hint span-all">Decided by the server as the widget loads the page.</p>}
                </fieldset>
              </li>
            );
          })}
        </ol>
        <div className="row-actions">
          <Button size="sm" icon="plus" disabled={rows.length >= 10} onClick={() => setRows((list) => [...list, row()])}>
            Add a condition
          </Button>
        </div>
      </fieldset>
      <fieldset className="fieldset">
        <legend>Then the widget says</legend>
        <div className="trigger-say">
          <div className="stack">
            <TextArea
              label="Message"
              value={message}
              rows={3}
              maxLength={1000}
              hint="What the visitor reads: 1 to 1,000 characters."
              onChange={(e) => setMessage(e.target.value)}
              required
            />
            <SelectField label="Speaks as" value={agentId} onChange={(e) => setAgentId(e.target.value)}>
              <option value="">The team ({website.name})</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </SelectField>
            <div className="field">
              <label className="check">
                <input type="checkbox" checked={openPanel} onChange={(e) => setOpenPanel(e.target.checked)} /> Open the chat with
                it
              </label>
              <p className="hint check-hint">Otherwise it shows as a bubble by the launcher.</p>
            </div>
          </div>
          <figure className="trigger-preview" aria-label="Preview">
            <figcaption className="muted">Preview</figcaption>
            <div className="trigger-bubble">
              <Avatar name={senderName} id={agent?.id ?? website.id} src={agent?.avatarUrl} />
              <div>
                <strong className="trigger-sender">{senderName}</strong>
                <p className="trigger-message">{message.trim() || 'Your message'}</p>
              </div>
            </div>
          </figure>
        </div>
      </fieldset>
      <DryRunButton
        label="Try on the last 100 page views"
        verb="Would have shown on"
        noun="page views"
        run={async () =>
          (await client.request(TriggerDryRunDocument, { websiteId: website.id, conditions: conditionInputs(rows) }))
            .triggerDryRun
        }
      >
        {(result) => (
          <ul className="dry-run-list" aria-label="Pages it would have shown on">
            {result.pages.map((p, i) => (
              <li key={i}>
                <span className="dry-run-preview">{p.url}</span>
                <time className="muted" dateTime={p.viewedAt}>
                  {fullDate(p.viewedAt)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </DryRunButton>
      <p className="hint">
        The dry run reads each page by its address and referrer, and business hours as they were when it was viewed; time on the
        page, pages viewed, returning visitors and agents online count as met. Only visitors who chatted leave page views.
      </p>
    </EditForm>
  );
}
