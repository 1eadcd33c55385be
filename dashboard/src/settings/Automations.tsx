/**
 * Settings › Automations (docs/routing.md, "Automations"): on an event (a chat starts, a
 * visitor writes, nobody has replied for N minutes, a visitor rates the chat), when the
 * routing rules' conditions hold, the server acts: a message or a saved reply sent as the
 * bot, an assignment, a department, a priority, tags, resolving. Owners and admins add,
 * edit, switch and delete automations, and try one on the last 100 conversations before
 * saving it; agents see the list read-only. The form shows only what the chosen event
 * takes; the server checks the rest and its refusal shows under the form.
 */
import { WebsitesDocument, type Priority } from '@chinwag/sdk';
import { useState } from 'react';
import {
  AutomationDryRunDocument,
  AutomationsDocument,
  CreateAutomationDocument,
  DeleteAutomationDocument,
  OrderAutomationsDocument,
  UpdateAutomationDocument,
  type Automation,
  type AutomationEvent,
  type AutomationInput,
} from '../automations';
import { useDirectory, useServices } from '../directory';
import { isAdmin, useMe } from '../session';
import {
  Badge,
  Button,
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
import { DryRunButton, DryRunConversations } from './DryRun';
import { DeleteDialog, DepartmentField, EditForm, PriorityField, saveItem, useOrdering } from './editing';
import {
  ConditionsEditor,
  conditionInputs,
  conditionRow,
  describeConditions,
  listOf,
  type ConditionRow,
  type Names,
} from './Rules';

/** The events, as the form offers them. */
export const EVENTS: { value: AutomationEvent; label: string; hint: string }[] = [
  {
    value: 'CONVERSATION_CREATED',
    label: 'When a chat starts',
    hint: 'The visitor’s first message puts the chat in your team’s queue.',
  },
  {
    value: 'MESSAGE_RECEIVED',
    label: 'When a visitor writes…',
    hint: 'Each message a visitor sends, or only those with one of the words below.',
  },
  {
    value: 'NO_REPLY',
    label: 'When nobody has replied for N minutes',
    hint: 'The visitor has waited this long for a reply from a person (a bot’s message does not count).',
  },
  { value: 'RATING_RECEIVED', label: 'When a visitor rates the chat', hint: 'After the chat, the visitor gives 1 to 5 stars.' },
];

/** What the automation reacts to, as a phrase: "When a visitor writes “refund” or “money back”". */
function describeEvent(a: Automation): string {
  switch (a.event) {
    case 'CONVERSATION_CREATED':
      return 'When a chat starts';
    case 'MESSAGE_RECEIVED':
      return a.keywords.length
        ? `When a visitor writes ${a.keywords.map((k) => `“${k}”`).join(' or ')}`
        : 'When a visitor writes anything';
    case 'NO_REPLY':
      return `When nobody has replied for ${a.minutes} min`;
    case 'RATING_RECEIVED':
      return a.ratingAtMost ? `When a visitor rates the chat ${a.ratingAtMost} or lower` : 'When a visitor rates the chat';
  }
}

export function AutomationsSection() {
  const { client } = useServices();
  const me = useMe();
  const admin = isAdmin(me);
  const { departments, agents, canned } = useDirectory();
  const automations = useLoad(async () => (await client.request(AutomationsDocument)).automations, [client]);
  const websites = useLoad(async () => (await client.request(WebsitesDocument)).websites, [client]);
  const [editing, setEditing] = useState<Automation | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Automation | null>(null);
  const list = automations.data ?? [];
  const names: Names = {
    website: (id) => websites.data?.find((w) => w.id === id)?.name ?? id,
    department: (id) => departments.find((d) => d.id === id)?.name ?? 'a deleted department',
  };
  const change = useAction(async (work: () => Promise<unknown>, done: string) => {
    await work();
    automations.reload();
    toast(done);
  });
  const order = useOrdering(
    list,
    async (ids) => (await client.request(OrderAutomationsDocument, { ids })).orderAutomations,
    automations.set,
  );

  const describeActions = (a: Automation['actions']) =>
    [
      a.message && `send “${a.message.length > 80 ? `${a.message.slice(0, 80)}…` : a.message}”`,
      a.cannedResponseId &&
        `send the saved reply ${canned.find((c) => c.id === a.cannedResponseId)?.title ?? '(deleted)'}`.trim(),
      a.assignTo && `assign to ${agents.find((x) => x.id === a.assignTo)?.name ?? 'a former agent'}`,
      a.departmentId && `to ${names.department(a.departmentId)}`,
      a.priority && `${a.priority.toLowerCase()} priority`,
      a.tags.length > 0 && `tag ${a.tags.join(', ')}`,
      a.resolve && 'resolve',
    ]
      .filter(Boolean)
      .join('; ');

  if (automations.error && !automations.data) return <ErrorState error={automations.error} retry={automations.reload} />;
  return (
    <section className="panel">
      <h2>Automations</h2>
      <p className="muted">
        On an event, when its conditions hold, Chinwag acts within seconds: it sends a message or a saved reply as your bot,
        assigns the chat, moves it to a department, sets its priority, adds tags or resolves it. Automations never react to what
        automations or bots do.
      </p>
      <p className="muted">
        They run in the order below, first to last (move them with the arrows): every enabled automation that matches acts, but
        only the first one that sends a message answers a visitor’s message.
      </p>
      {!admin && (
        <p className="notice" role="note">
          Only owners and admins can change automations. Ask one of them if something should change.
        </p>
      )}
      {!automations.data ? (
        <Loading />
      ) : list.length ? (
        <ol className="rule-list" aria-label="Automations">
          {list.map((a, index) => (
            <li key={a.id} className="rule">
              <div className="rule-head">
                <span className="rule-position">{index + 1}</span>
                <strong>{a.name}</strong>
                {!a.enabled && <Badge>Off</Badge>}
                {admin && (
                  <span className="rule-actions">
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={a.enabled}
                        aria-label={`${a.name} enabled`}
                        disabled={change.busy}
                        onChange={(e) =>
                          void change.run(
                            () =>
                              client.request(UpdateAutomationDocument, {
                                id: a.id,
                                input: { ...automationInput(a), enabled: e.target.checked },
                              }),
                            `${a.name} ${e.target.checked ? 'on' : 'off'}`,
                          )
                        }
                      />{' '}
                      Enabled
                    </label>
                    {order.buttons(a, index, change.busy)}
                    <Button size="sm" aria-label={`Edit ${a.name}`} onClick={() => setEditing(a)}>
                      Edit
                    </Button>
                    <IconButton icon="trash" label={`Delete ${a.name}`} onClick={() => setDeleting(a)} />
                  </span>
                )}
              </div>
              <p className="rule-summary">
                {describeEvent(a)}
                {a.conditions.length > 0 && `, ${describeConditions(a.conditions, names, '').replace(/^If/, 'if')}`}
                {' → '}
                {describeActions(a.actions)}
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No automations yet.</p>
      )}
      {(change.error || order.error) && (
        <p className="form-error" role="alert">
          {change.error || order.error}
        </p>
      )}
      {admin &&
        (editing ? (
          <AutomationForm
            key={editing === 'new' ? 'new' : editing.id}
            automation={editing === 'new' ? null : editing}
            websites={websites.data ?? []}
            onDone={(saved) => {
              setEditing(null);
              if (saved) automations.reload();
            }}
          />
        ) : (
          <div className="row-actions">
            <Button icon="plus" disabled={list.length >= 50} onClick={() => setEditing('new')}>
              Add an automation
            </Button>
          </div>
        ))}
      <DeleteDialog
        item={deleting}
        onClose={() => setDeleting(null)}
        onDelete={async (a) => {
          await client.request(DeleteAutomationDocument, { id: a.id });
          automations.reload();
        }}
      >
        <p>It stops acting at once. What it already did (messages, tags, assignments) stays.</p>
      </DeleteDialog>
    </section>
  );
}

/** A stored automation as the input that saves it unchanged. */
function automationInput(a: Automation): AutomationInput {
  return {
    name: a.name,
    enabled: a.enabled,
    event: a.event,
    conditions: a.conditions.map(({ field, operator, key, value, values }) => ({ field, operator, key, value, values })),
    keywords: a.keywords,
    minutes: a.minutes,
    ratingAtMost: a.ratingAtMost,
    actions: { ...a.actions },
  };
}

type Send = 'none' | 'message' | 'canned';

function AutomationForm({
  automation: a,
  websites,
  onDone,
}: {
  automation: Automation | null;
  websites: { id: string; name: string }[];
  onDone(saved: boolean): void;
}) {
  const { client } = useServices();
  const { agents, canned } = useDirectory();
  const [name, setName] = useState(a?.name ?? '');
  const [enabled, setEnabled] = useState(a?.enabled ?? true);
  const [event, setEvent] = useState<AutomationEvent>(a?.event ?? 'MESSAGE_RECEIVED');
  const [keywords, setKeywords] = useState(a?.keywords.join(', ') ?? '');
  const [minutes, setMinutes] = useState(a?.minutes ? String(a.minutes) : '');
  const [ratingAtMost, setRatingAtMost] = useState(a?.ratingAtMost ? String(a.ratingAtMost) : '');
  const [conditions, setConditions] = useState<ConditionRow[]>(() => a?.conditions.map(conditionRow) ?? []);
  const [send, setSend] = useState<Send>(a?.actions.cannedResponseId ? 'canned' : a?.actions.message || !a ? 'message' : 'none');
  const [message, setMessage] = useState(a?.actions.message ?? '');
  const [cannedId, setCannedId] = useState(a?.actions.cannedResponseId ?? '');
  const [assignTo, setAssignTo] = useState(a?.actions.assignTo ?? '');
  const [departmentId, setDepartmentId] = useState(a?.actions.departmentId ?? '');
  const [priority, setPriority] = useState<Priority | ''>(a?.actions.priority ?? '');
  const [tags, setTags] = useState(a?.actions.tags.join(', ') ?? '');
  const [resolve, setResolve] = useState(a?.actions.resolve ?? false);

  const body = (): AutomationInput => ({
    name: name.trim(),
    enabled,
    event,
    conditions: conditionInputs(conditions),
    keywords: event === 'MESSAGE_RECEIVED' ? listOf(keywords) : [],
    // Not a whole number: sent as one the server refuses, so the message is the server's.
    minutes: event === 'NO_REPLY' ? (/^\s*\d+\s*$/.test(minutes) ? Number(minutes) : 0) : null,
    ratingAtMost: event === 'RATING_RECEIVED' && ratingAtMost ? Number(ratingAtMost) : null,
    actions: {
      message: send === 'message' ? message : null,
      cannedResponseId: send === 'canned' ? cannedId || null : null,
      assignTo: (!resolve && assignTo) || null,
      departmentId: (!resolve && departmentId) || null,
      priority: priority || null,
      tags: listOf(tags),
      resolve,
    },
  });
  const save = useAction(() =>
    saveItem(
      a,
      body(),
      {
        create: (input) => client.request(CreateAutomationDocument, { input }),
        update: (id, input) => client.request(UpdateAutomationDocument, { id, input }),
      },
      onDone,
    ),
  );
  const hint = EVENTS.find((e) => e.value === event)?.hint;

  return (
    <EditForm
      noun="automation"
      editing={a?.name ?? null}
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
          onChange={(e) => setName(e.target.value)}
          hint="Your team sees it on the chats it routes."
          required
        />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
        </div>
        <SelectField label="When" value={event} hint={hint} onChange={(e) => setEvent(e.target.value as AutomationEvent)}>
          {EVENTS.map((e) => (
            <option key={e.value} value={e.value}>
              {e.label}
            </option>
          ))}
        </SelectField>
        {event === 'MESSAGE_RECEIVED' && (
          <TextField
            label="Words or phrases"
            value={keywords}
            placeholder="Any message"
            hint="Separated by commas: a message with one of them, as whole words (case ignored). Empty: any message."
            onChange={(e) => setKeywords(e.target.value)}
          />
        )}
        {event === 'NO_REPLY' && (
          <TextField
            label="Minutes without a reply"
            type="number"
            inputMode="numeric"
            min={1}
            max={10080}
            value={minutes}
            hint="1 to 10,080 (a week)."
            onChange={(e) => setMinutes(e.target.value)}
            required
          />
        )}
        {event === 'RATING_RECEIVED' && (
          <SelectField label="Ratings" value={ratingAtMost} onChange={(e) => setRatingAtMost(e.target.value)}>
            <option value="">Any rating</option>
            <option value="1">1 star</option>
            {[2, 3, 4].map((n) => (
              <option key={n} value={String(n)}>
                {n} stars or fewer
              </option>
            ))}
          </SelectField>
        )}
      </div>
      <ConditionsEditor rows={conditions} onChange={setConditions} websites={websites} none="it acts on every chat" />
      <fieldset className="fieldset">
        <legend>Then (at least one)</legend>
        <div className="grid-form">
          <SelectField label="Send to the visitor" value={send} onChange={(e) => setSend(e.target.value as Send)}>
            <option value="none">Nothing</option>
            <option value="message">A message</option>
            <option value="canned">A saved reply</option>
          </SelectField>
          {send === 'canned' ? (
            <SelectField label="Saved reply" value={cannedId} onChange={(e) => setCannedId(e.target.value)}>
              <option value="">Choose a saved reply</option>
              {canned.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title || c.shortcut}
                </option>
              ))}
            </SelectField>
          ) : (
            <span />
          )}
          {send === 'message' && (
            <div className="span-all">
              <TextArea
                label="Message"
                value={message}
                rows={3}
                maxLength={2000}
                hint="Sent as your bot, named after your organization."
                onChange={(e) => setMessage(e.target.value)}
              />
            </div>
          )}
          <SelectField label="Assign to" value={assignTo} onChange={(e) => setAssignTo(e.target.value)} disabled={resolve}>
            <option value="">No change</option>
            {agents.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </SelectField>
          <DepartmentField value={resolve ? '' : departmentId} none="No change" onChange={setDepartmentId} />
          <PriorityField value={priority} none="No change" onChange={setPriority} />
          <TextField
            label="Tags"
            hint="Added to the chat, separated by commas"
            value={tags}
            onChange={(e) => setTags(e.target.value)}
          />
          <div className="field span-all">
            <label className="check">
              <input
                type="checkbox"
                checked={resolve}
                onChange={(e) => {
                  setResolve(e.target.checked);
                  if (e.target.checked) {
                    setAssignTo('');
                    setDepartmentId('');
                  }
                }}
              />{' '}
              Resolve the chat
            </label>
            <p className="hint check-hint">A chat that is resolved is not also assigned or moved.</p>
          </div>
        </div>
      </fieldset>
      <DryRunButton
        verb="Would have acted on"
        run={async () =>
          (await client.request(AutomationDryRunDocument, { input: { ...body(), name: body().name || 'Dry run' } }))
            .automationDryRun
        }
      >
        {(result) => <DryRunConversations result={result} />}
      </DryRunButton>
    </EditForm>
  );
}
