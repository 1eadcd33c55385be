/**
 * Settings › Webhooks (owners and admins; docs/webhooks.md): the organization's endpoints,
 * each with its URL, description, the events it receives, whether it is enabled (and why
 * not) and since when it fails; the form that adds one (or edits it: the same fields), whose
 * refusals show beside the field the server names; and, at `settings/webhooks/<id>`, the
 * endpoint itself (WebhookEndpoint.tsx). The server's "endpoint disabled" email links to
 * `/app/webhooks`, which App.tsx sends here.
 */
import { useId, useRef, useState } from 'react';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import { Link, navigate } from '../router';
import { Badge, Button, EmptyState, ErrorState, Icon, Loading, TextField, errorMessage, useAction, useLoad } from '../ui';
import {
  CreateWebhookEndpointDocument,
  EVENT_HINTS,
  UpdateWebhookEndpointDocument,
  WebhookEndpointsDocument,
  eventName,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../webhooks';
import { WebhookEndpointDetail } from './WebhookEndpoint';

export function WebhooksSection({ id }: { id: string | null }) {
  const { client } = useServices();
  // Again on each move between the list and an endpoint: deliveries change their state meanwhile.
  const list = useLoad(async () => await client.request(WebhookEndpointsDocument), [id]);
  if (list.error) return <ErrorState error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading />;
  const { webhookEndpoints: endpoints, webhookEventTypes: types } = list.data;
  const save = (e: WebhookEndpoint) =>
    list.update((d) => ({
      webhookEventTypes: types,
      webhookEndpoints: (d?.webhookEndpoints ?? []).some((x) => x.id === e.id)
        ? d!.webhookEndpoints.map((x) => (x.id === e.id ? e : x))
        : [...(d?.webhookEndpoints ?? []), e],
    }));
  if (id)
    return (
      <WebhookEndpointDetail
        key={id}
        id={id}
        eventTypes={types}
        onChanged={save}
        onDeleted={() => {
          list.update((d) => ({
            webhookEventTypes: types,
            webhookEndpoints: (d?.webhookEndpoints ?? []).filter((x) => x.id !== id),
          }));
          navigate('settings/webhooks');
        }}
      />
    );
  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>Webhooks</h2>
        <VerifyHelp />
        {endpoints.length ? (
          <ul className="cards" aria-label="Webhook endpoints">
            {endpoints.map((e) => (
              <li key={e.id}>
                <Link to={`settings/webhooks/${e.id}`} className="card-link endpoint-link">
                  <span className="endpoint-main">
                    <strong className="endpoint-url">{e.url}</strong>
                    {e.description && <small className="muted">{e.description}</small>}
                    <small className="muted">{eventsSummary(e.eventTypes)}</small>
                    {e.failingSince && e.enabled && <FailingSince since={e.failingSince} />}
                  </span>
                  <EndpointState endpoint={e} />
                </Link>
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState icon="send" title="No endpoints yet">
            <p>Add your server’s URL below, then send it a test event.</p>
          </EmptyState>
        )}
      </section>
      <section className="panel">
        <EndpointForm
          eventTypes={types}
          onSaved={(e) => {
            save(e);
            navigate(`settings/webhooks/${e.id}`);
          }}
        />
      </section>
    </div>
  );
}

/** "All events", or the events' wire names. */
export const eventsSummary = (types: WebhookEventType[]) => (types.length ? types.map(eventName).join(', ') : 'All events');

/** Enabled, or disabled with the server's reason. */
export function EndpointState({ endpoint: e }: { endpoint: WebhookEndpoint }) {
  return e.enabled ? (
    <Badge tone="ok">Enabled</Badge>
  ) : (
    <span className="endpoint-state">
      <Badge tone="warn">Disabled</Badge>
      {e.disabledReason && <small className="muted">{capital(e.disabledReason)}</small>}
    </span>
  );
}

export function FailingSince({ since }: { since: string }) {
  return (
    <span className="endpoint-failing">
      <Icon name="info" size={16} /> Failing since <time dateTime={since}>{fullDate(since)}</time>
    </span>
  );
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** How receivers check that a delivery is ours, in two lines, and where it is said in full. */
export function VerifyHelp() {
  return (
    <p className="muted">
      Chinwag posts each event to your endpoints, signed per{' '}
      <a href="https://www.standardwebhooks.com/" target="_blank" rel="noreferrer noopener">
        Standard Webhooks
      </a>
      . Check the <code>webhook-signature</code> header with the endpoint’s signing secret (<code>verifyWebhook</code> from{' '}
      <code>@chinwag/sdk/webhooks</code> does it) and answer 2xx; anything else is retried for about three days. How to verify
      signatures: <code>docs/webhooks.md</code>.
    </p>
  );
}

type FieldName = 'url' | 'description' | 'eventTypes' | 'rateLimit';

/**
 * The field a refusal is about. The server words each validation error as a sentence that
 * starts with the input's field ("url must be an absolute http or https URL") and sets no
 * field of its own in `extensions`; anything else (PLAN_LIMIT at 20 endpoints, a network
 * error) belongs to the form as a whole.
 */
function fieldOf(error: unknown): FieldName | null {
  const e = error as { code?: string; message?: string };
  if (e?.code !== 'BAD_USER_INPUT') return null;
  const first = e.message?.split(/\s/, 1)[0];
  return first === 'url' || first === 'description' || first === 'eventTypes' || first === 'rateLimit' ? first : null;
}

/** How the form names each field in a refusal's first words. */
const FIELD_NAMES: Record<FieldName, string> = {
  url: 'The URL',
  description: 'The description',
  eventTypes: 'The events',
  rateLimit: 'The rate limit',
};

/**
 * The refusal as a sentence, its field named as the form names it ("The URL must be …");
 * PLAN_LIMIT's comes without its capital too.
 */
function fieldMessage(error: unknown): string {
  const field = fieldOf(error);
  if (!field) return capital(errorMessage(error));
  return `${FIELD_NAMES[field]}${(error as Error).message.slice(field.length)}`.replace(/\.?$/, '.');
}

/**
 * A new endpoint, or the changes to `existing`: URL, description, the events (none
 * checked: all of them, including any added later) and an optional rate limit.
 */
export function EndpointForm({
  existing,
  eventTypes,
  onSaved,
  onCancel,
}: {
  existing?: WebhookEndpoint;
  eventTypes: WebhookEventType[];
  onSaved(e: WebhookEndpoint): void;
  onCancel?(): void;
}) {
  const { client } = useServices();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<Partial<Record<FieldName | 'form', string>>>({});
  const save = useAction(async (form: FormData) => {
    setErrors({});
    const url = String(form.get('url') ?? '').trim();
    const description = String(form.get('description') ?? '').trim();
    const types = form.getAll('event').map(String) as WebhookEventType[];
    const limit = String(form.get('rateLimit') ?? '').trim();
    try {
      const saved = existing
        ? (
            await client.request(UpdateWebhookEndpointDocument, {
              id: existing.id,
              input: {
                url,
                description,
                eventTypes: types,
                ...(limit ? { rateLimit: Number(limit) } : { clearRateLimit: true }),
              },
            })
          ).updateWebhookEndpoint
        : (
            await client.request(CreateWebhookEndpointDocument, {
              input: { url, description, eventTypes: types, ...(limit ? { rateLimit: Number(limit) } : {}) },
            })
          ).createWebhookEndpoint;
      onSaved(saved);
    } catch (e) {
      setErrors({ [fieldOf(e) ?? 'form']: fieldMessage(e) });
      // Focus the field at fault, so that its error is read out with it.
      const field = fieldOf(e);
      const control = field && formRef.current?.elements.namedItem(field === 'eventTypes' ? 'event' : field);
      if (control instanceof HTMLElement) control.focus();
      else if (control instanceof RadioNodeList) (control[0] as HTMLElement | undefined)?.focus();
    }
  });
  const title = existing ? 'Edit endpoint' : 'Add an endpoint';
  // WEBHOOK_TEST is sent by "Send test event" whatever the filter: not a choice.
  const choices = eventTypes.filter((t) => t !== 'WEBHOOK_TEST');
  return (
    <form
      ref={formRef}
      className="stack"
      noValidate
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run(new FormData(e.currentTarget));
      }}
    >
      <h2>{title}</h2>
      <TextField
        label="Endpoint URL"
        name="url"
        type="url"
        inputMode="url"
        autoComplete="off"
        required
        maxLength={2000}
        placeholder="https://example.com/chinwag/webhooks"
        defaultValue={existing?.url}
        hint="A public http(s) address of your server."
        error={errors.url}
      />
      <TextField
        label="Description (optional)"
        name="description"
        maxLength={200}
        placeholder="Order system"
        defaultValue={existing?.description}
        error={errors.description}
      />
      <fieldset className="fieldset" aria-describedby={`${id}-events-hint`}>
        <legend>Events to send</legend>
        <p className="hint" id={`${id}-events-hint`}>
          None checked: every event, including kinds added later.
        </p>
        <ul className="scope-list">
          {choices.map((t) => (
            <li key={t}>
              <label className="check">
                <input
                  type="checkbox"
                  name="event"
                  value={t}
                  defaultChecked={existing?.eventTypes.includes(t)}
                  aria-describedby={EVENT_HINTS[t] ? `${id}-${t}` : undefined}
                />{' '}
                <code>{eventName(t)}</code>
              </label>
              {EVENT_HINTS[t] && (
                <p className="hint check-hint" id={`${id}-${t}`}>
                  {EVENT_HINTS[t]}
                </p>
              )}
            </li>
          ))}
        </ul>
        {errors.eventTypes && (
          <p className="field-error" role="alert">
            {errors.eventTypes}
          </p>
        )}
      </fieldset>
      <div className="endpoint-limit">
        <TextField
          label="Rate limit (optional)"
          name="rateLimit"
          type="number"
          inputMode="numeric"
          min={1}
          max={10000}
          defaultValue={existing?.rateLimit ?? ''}
          hint="Deliveries per second at most, 1 to 10,000. Empty: no limit."
          error={errors.rateLimit}
        />
      </div>
      <div className="row-actions">
        <Button type="submit" variant="primary" icon={existing ? undefined : 'plus'} busy={save.busy}>
          {existing ? 'Save endpoint' : 'Add endpoint'}
        </Button>
        {onCancel && <Button onClick={onCancel}>Cancel</Button>}
      </div>
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  );
}
