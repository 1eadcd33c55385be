/**
 * One webhook endpoint (Settings › Webhooks › the endpoint): its URL, events and state;
 * the enable switch (enabling forgets past failures); Edit (the add form, filled) and
 * Delete (asked first); the signing secret, hidden until revealed, with Copy and Rotate
 * (asked first: the old secret keeps signing for 24 hours); Send test event, whose
 * delivery then appears in the log; the delivery log (WebhookLog.tsx); and "Recover failed
 * events since…", which resends what the endpoint never received and says how many.
 */
import { useId, useState } from 'react';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import { Link } from '../router';
import { Button, CopyButton, Dialog, ErrorState, Icon, Loading, toast, useAction } from '../ui';
import {
  DeleteWebhookEndpointDocument,
  RecoverWebhookEndpointDocument,
  RotateWebhookSecretDocument,
  TestWebhookEndpointDocument,
  UpdateWebhookEndpointDocument,
  type WebhookEndpoint,
  type WebhookEventType,
} from '../webhooks';
import { useDeliveryLog, WebhookLog } from './WebhookLog';
import { EndpointForm, EndpointState, FailingSince, eventsSummary } from './Webhooks';

const DAY = 86_400_000;

export function WebhookEndpointDetail({
  id,
  eventTypes,
  onChanged,
  onDeleted,
}: {
  id: string;
  eventTypes: WebhookEventType[];
  onChanged(e: WebhookEndpoint): void;
  onDeleted(): void;
}) {
  const { client } = useServices();
  const log = useDeliveryLog(id);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // Loaded with the log, whose refreshes carry it too (its failures, a 410 that disabled it).
  const endpoint = log.endpoint;
  const changed = (e: WebhookEndpoint) => {
    log.setEndpoint(e);
    onChanged(e);
  };
  const toggle = useAction(async (on: boolean) => {
    changed((await client.request(UpdateWebhookEndpointDocument, { id, input: { enabled: on } })).updateWebhookEndpoint);
    toast(on ? 'Endpoint enabled' : 'Endpoint disabled');
  });
  const test = useAction(async () => {
    const { testWebhookEndpoint: eventId } = await client.request(TestWebhookEndpointDocument, { id });
    toast('Test event sent');
    if (!(await log.watchFor((a) => a.eventId === eventId)))
      toast('The test delivery is not logged yet: reload the page in a moment to see it.');
  });
  const remove = useAction(async () => {
    await client.request(DeleteWebhookEndpointDocument, { id });
    setDeleting(false);
    toast('Endpoint deleted');
    onDeleted();
  });
  const switchId = useId();

  const back = (
    <Link to="settings/webhooks" className="back-link">
      <Icon name="back" size={16} /> All endpoints
    </Link>
  );
  if (!endpoint)
    return log.error ? (
      <div>
        {back}
        <ErrorState error={log.error} retry={log.reload} />
      </div>
    ) : (
      <Loading />
    );
  return (
    <div className="stack-lg">
      {back}
      <section className="panel" aria-labelledby={`${switchId}-title`}>
        <div className="endpoint-head">
          <h2 id={`${switchId}-title`} className="endpoint-url">
            {endpoint.url}
          </h2>
          <EndpointState endpoint={endpoint} />
        </div>
        {endpoint.description && <p>{endpoint.description}</p>}
        {endpoint.failingSince && endpoint.enabled && (
          <p className="notice">
            <FailingSince since={endpoint.failingSince} />. After five days of failures the endpoint is disabled.
          </p>
        )}
        <dl className="key-facts">
          <dt>Events</dt>
          <dd>{eventsSummary(endpoint.eventTypes)}</dd>
          <dt>Rate limit</dt>
          <dd>{endpoint.rateLimit ? `${endpoint.rateLimit.toLocaleString()} per second` : 'None'}</dd>
          <dt>Created</dt>
          <dd>
            <time dateTime={endpoint.createdAt}>{fullDate(endpoint.createdAt)}</time>
          </dd>
          {endpoint.disabledAt && !endpoint.enabled && (
            <>
              <dt>Disabled</dt>
              <dd>
                <time dateTime={endpoint.disabledAt}>{fullDate(endpoint.disabledAt)}</time>
              </dd>
            </>
          )}
        </dl>
        <div className="switch-row">
          <span className="switch-text">
            <strong id={`${switchId}-label`}>Send events to this endpoint</strong>
            <span className="hint" id={`${switchId}-hint`}>
              {endpoint.enabled
                ? 'Switched off, it receives no events until switched on again.'
                : 'Switching it on forgets its past failures; the events it missed can be recovered below.'}
            </span>
          </span>
          <button
            type="button"
            className="switch"
            role="switch"
            aria-checked={endpoint.enabled}
            aria-labelledby={`${switchId}-label`}
            aria-describedby={`${switchId}-hint`}
            disabled={toggle.busy}
            aria-busy={toggle.busy || undefined}
            onClick={() => void toggle.run(!endpoint.enabled)}
          />
        </div>
        {toggle.error && (
          <p className="form-error" role="alert">
            {toggle.error}
          </p>
        )}
        <div className="row-actions">
          <Button icon="send" variant="primary" busy={test.busy} onClick={() => void test.run()}>
            Send test event
          </Button>
          <Button icon="note" onClick={() => setEditing(true)} disabled={editing}>
            Edit
          </Button>
          <Button icon="trash" variant="danger" onClick={() => setDeleting(true)}>
            Delete
          </Button>
        </div>
        {test.error && (
          <p className="form-error" role="alert">
            {test.error}
          </p>
        )}
      </section>
      {editing && (
        <section className="panel">
          <EndpointForm
            existing={endpoint}
            eventTypes={eventTypes}
            onSaved={(e) => {
              changed(e);
              setEditing(false);
              toast('Endpoint saved');
            }}
            onCancel={() => setEditing(false)}
          />
        </section>
      )}
      <SigningSecret endpoint={endpoint} onRotated={changed} />
      <WebhookLog log={log} />
      <Recover id={id} onRecovered={(n) => void log.watchFor((a) => a.manual, n)} />
      <Dialog
        open={deleting}
        title="Delete this endpoint?"
        onClose={() => setDeleting(false)}
        footer={
          <>
            <Button onClick={() => setDeleting(false)}>Cancel</Button>
            <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
              Delete
            </Button>
          </>
        }
      >
        <p>
          <strong className="endpoint-url">{endpoint.url}</strong> stops receiving events at once. Its delivery log and any
          deliveries still waiting are deleted too. This cannot be undone.
        </p>
        {remove.error && (
          <p className="form-error" role="alert">
            {remove.error}
          </p>
        )}
      </Dialog>
    </div>
  );
}

/** The secret, masked until revealed; Copy works either way; Rotate asks first. */
function SigningSecret({ endpoint, onRotated }: { endpoint: WebhookEndpoint; onRotated(e: WebhookEndpoint): void }) {
  const { client } = useServices();
  const [shown, setShown] = useState(false);
  const [asking, setAsking] = useState(false);
  const id = useId();
  const rotate = useAction(async () => {
    onRotated((await client.request(RotateWebhookSecretDocument, { id: endpoint.id })).rotateWebhookSecret);
    setAsking(false);
    toast('Signing secret rotated');
  });
  const close = () => {
    setAsking(false);
    rotate.setError(null);
  };
  const previous = endpoint.previousSecretExpiresAt;
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Signing secret</h2>
      <p className="muted">
        Your server verifies each delivery’s <code>webhook-signature</code> with it. Keep it secret, like a password.
      </p>
      <div className="secret-row">
        <code className="secret" id={`${id}-secret`} aria-label="Secret">
          {shown ? endpoint.secret : `whsec_${'•'.repeat(24)}`}
        </code>
        <Button size="sm" aria-controls={`${id}-secret`} aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? 'Hide' : 'Reveal'}
        </Button>
        <CopyButton text={endpoint.secret} />
      </div>
      {previous && Date.parse(previous) > Date.now() && (
        <p className="hint">
          The previous secret also signs deliveries until <time dateTime={previous}>{fullDate(previous)}</time>.
        </p>
      )}
      <div>
        <Button onClick={() => setAsking(true)}>Rotate secret</Button>
      </div>
      <Dialog
        open={asking}
        title="Rotate the signing secret?"
        onClose={close}
        footer={
          <>
            <Button onClick={close}>Cancel</Button>
            <Button variant="primary" busy={rotate.busy} onClick={() => void rotate.run()}>
              Rotate secret
            </Button>
          </>
        }
      >
        <p>
          A new secret signs every delivery from now on. For the next 24 hours the current one signs them too (a second signature
          in <code>webhook-signature</code>), so your server keeps accepting deliveries while you give it the new secret. After
          that, only the new secret works.
        </p>
        {rotate.error && (
          <p className="form-error" role="alert">
            {rotate.error}
          </p>
        )}
      </Dialog>
    </section>
  );
}

/** `<input type="datetime-local">`'s value for `ms` in this browser's time zone. */
const localInput = (ms: number) => {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** "Recover failed events since…": within the last 30 days; says how many were resent. */
function Recover({ id, onRecovered }: { id: string; onRecovered(resent: number): void }) {
  const { client } = useServices();
  const [since, setSince] = useState(() => localInput(Date.now() - DAY));
  const [resent, setResent] = useState<number | null>(null);
  const recover = useAction(async () => {
    setResent(null);
    const at = new Date(since);
    if (Number.isNaN(at.getTime())) throw new Error('Choose a date and time.');
    const { recoverWebhookEndpoint: n } = await client.request(RecoverWebhookEndpointDocument, { id, since: at.toISOString() });
    setResent(n);
    if (n) onRecovered(n);
  });
  const fieldId = useId();
  return (
    <section className="panel" aria-labelledby={`${fieldId}-title`}>
      <h2 id={`${fieldId}-title`}>Recover failed events</h2>
      <p className="muted">
        Sends again every event since then that this endpoint should have received and never did: after an outage, or once it is
        enabled again. Events are kept 30 days.
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void recover.run();
        }}
      >
        <div className="field">
          <label htmlFor={fieldId}>Recover failed events since</label>
          <input
            id={fieldId}
            className="input"
            type="datetime-local"
            required
            value={since}
            min={localInput(Date.now() - 30 * DAY + 60_000)}
            max={localInput(Date.now())}
            onChange={(e) => setSince(e.target.value)}
          />
        </div>
        <Button type="submit" busy={recover.busy}>
          Recover
        </Button>
      </form>
      <p aria-live="polite" className={resent === null ? 'sr-only' : undefined}>
        {resent === null
          ? ''
          : resent === 0
            ? 'Nothing to resend: every event since then was delivered.'
            : `Resent ${resent} ${resent === 1 ? 'event' : 'events'}.`}
      </p>
      {recover.error && (
        <p className="form-error" role="alert">
          {recover.error}
        </p>
      )}
    </section>
  );
}
