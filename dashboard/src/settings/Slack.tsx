/**
 * Settings › Slack (owners and admins; docs/slack.md). Not connected: the three steps,
 * from the app manifest (this organization's request URLs filled in by the server) to the
 * form that takes the bot token, the signing secret, the channel and the mode. Connected:
 * the workspace, channel, mode and request URLs, the same form to change the channel or
 * mode (and, if asked, replace the credentials: the stored ones are never shown), and
 * Disconnect, asked first. Slack's refusals (a wrong token, a channel the app is not in)
 * come back as `BAD_USER_INPUT` sentences and show under the form.
 */
import { useId, useState } from 'react';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import {
  ConnectSlackDocument,
  DisconnectSlackDocument,
  MODES,
  SlackDocument,
  type SlackIntegration,
  type SlackMode,
} from '../slack';
import { Badge, Button, CodeBlock, CopyButton, Dialog, ErrorState, Loading, TextField, toast, useAction, useLoad } from '../ui';

export function SlackSection() {
  const { client } = useServices();
  const slack = useLoad(async () => await client.request(SlackDocument), [client]);
  if (slack.error) return <ErrorState error={slack.error} retry={slack.reload} />;
  if (!slack.data) return <Loading />;
  const { slackIntegration: integration, slackAppManifest: manifest } = slack.data;
  const changed = (next: SlackIntegration | null) =>
    slack.update((d) => ({ slackAppManifest: d?.slackAppManifest ?? manifest, slackIntegration: next }));
  return integration ? (
    <Connected integration={integration} manifest={manifest} onChanged={changed} />
  ) : (
    <NotConnected manifest={manifest} onConnected={changed} />
  );
}

function NotConnected({ manifest, onConnected }: { manifest: string; onConnected(i: SlackIntegration): void }) {
  return (
    <div className="stack-lg">
      <section className="panel">
        <div className="endpoint-head">
          <h2>Slack</h2>
          <Badge>Not connected</Badge>
        </div>
        <p className="muted">
          Announce new conversations in a Slack channel, or answer them there: each conversation becomes a thread, and what your
          team writes in it reaches the visitor. Three steps connect it.
        </p>
        <ol className="slack-steps">
          <li>
            <h3>Create a Slack app from this manifest</h3>
            <p className="hint">
              At api.slack.com/apps choose <strong>Create New App › From a manifest</strong>, pick your workspace and paste it.
              Its request URLs point at this organization.
            </p>
            <CodeBlock code={manifest} label="Slack app manifest" />
          </li>
          <li>
            <h3>Install it and invite it to your channel</h3>
            <p className="hint">
              Install the app to your workspace, then type <code>/invite @Chinwag</code> in the channel it should post to. Copy
              the <strong>Bot User OAuth Token</strong> (OAuth &amp; Permissions, it starts with <code>xoxb-</code>) and the{' '}
              <strong>Signing Secret</strong> (Basic Information › App Credentials).
            </p>
          </li>
          <li>
            <h3>Paste them here</h3>
            <p className="hint">
              With the channel’s id (the channel’s details in Slack, at the bottom: <code>C0123ABCD</code>) and how Slack should
              be used.
            </p>
            <ConnectForm onSaved={onConnected} />
          </li>
        </ol>
      </section>
    </div>
  );
}

function Connected({
  integration: s,
  manifest,
  onChanged,
}: {
  integration: SlackIntegration;
  manifest: string;
  onChanged(i: SlackIntegration | null): void;
}) {
  const { client } = useServices();
  const [asking, setAsking] = useState(false);
  const disconnect = useAction(async () => {
    await client.request(DisconnectSlackDocument);
    setAsking(false);
    toast('Slack disconnected');
    onChanged(null);
  });
  const id = useId();
  return (
    <div className="stack-lg">
      <section className="panel" aria-labelledby={`${id}-title`}>
        <div className="endpoint-head">
          <h2 id={`${id}-title`}>Slack</h2>
          <Badge tone="ok">Connected</Badge>
        </div>
        <dl className="key-facts">
          <dt>Workspace</dt>
          <dd>
            {s.teamName} <span className="muted">({s.teamId})</span>
          </dd>
          <dt>Channel</dt>
          <dd>
            <code>{s.channelId}</code>
          </dd>
          <dt>Mode</dt>
          <dd>{MODES.find((m) => m.value === s.mode)?.label ?? s.mode}</dd>
          <dt>Connected</dt>
          <dd>
            <time dateTime={s.connectedAt}>{fullDate(s.connectedAt)}</time>
          </dd>
          {s.updatedAt !== s.connectedAt && (
            <>
              <dt>Changed</dt>
              <dd>
                <time dateTime={s.updatedAt}>{fullDate(s.updatedAt)}</time>
              </dd>
            </>
          )}
        </dl>
        <div className="row-actions">
          <Button icon="trash" variant="danger" onClick={() => setAsking(true)}>
            Disconnect
          </Button>
        </div>
      </section>
      <section className="panel" aria-labelledby={`${id}-urls`}>
        <h2 id={`${id}-urls`}>Request URLs</h2>
        <p className="muted">Your Slack app’s manifest sets these; if you made the app by hand, enter them in its settings.</p>
        <dl className="slack-urls">
          {(
            [
              ['Events', s.eventsUrl],
              ['Interactivity', s.interactionsUrl],
              ['Slash command /chinwag', s.commandsUrl],
            ] as const
          ).map(([label, url]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>
                <code>{url}</code> <CopyButton text={url} label="Copy" />
              </dd>
            </div>
          ))}
        </dl>
        <details>
          <summary>The app manifest</summary>
          <CodeBlock code={manifest} label="Slack app manifest" />
        </details>
      </section>
      <section className="panel">
        <ConnectForm
          existing={s}
          onSaved={(next) => {
            onChanged(next);
            toast('Slack connection saved');
          }}
        />
      </section>
      <Dialog
        open={asking}
        title="Disconnect Slack?"
        onClose={() => setAsking(false)}
        footer={
          <>
            <Button onClick={() => setAsking(false)}>Cancel</Button>
            <Button variant="danger" busy={disconnect.busy} onClick={() => void disconnect.run()}>
              Disconnect
            </Button>
          </>
        }
      >
        <p>
          Chinwag stops posting to <strong>{s.teamName}</strong> and forgets the bot token and signing secret. Threads already in
          the channel stay, but replies there no longer reach visitors. Uninstall the app in Slack too if you no longer need it.
        </p>
        {disconnect.error && (
          <p className="form-error" role="alert">
            {disconnect.error}
          </p>
        )}
      </Dialog>
    </div>
  );
}

/**
 * Connects, or changes `existing`: the credentials (required the first time; when
 * connected, only under "Replace the token or signing secret", and left out when empty so
 * the stored ones stay), the channel and the mode.
 */
function ConnectForm({ existing, onSaved }: { existing?: SlackIntegration; onSaved(i: SlackIntegration): void }) {
  const { client } = useServices();
  const id = useId();
  const [mode, setMode] = useState<SlackMode>(existing?.mode ?? 'THREADS');
  const [replacing, setReplacing] = useState(!existing);
  const save = useAction(async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const [botToken, signingSecret, channelId] = [text('botToken'), text('signingSecret'), text('channelId')];
    const saved = (
      await client.request(ConnectSlackDocument, {
        input: { ...(botToken && { botToken }), ...(signingSecret && { signingSecret }), channelId, mode },
      })
    ).connectSlack;
    // The secrets leave the page once sent.
    form.reset();
    if (existing) setReplacing(false);
    onSaved(saved);
  });
  const title = existing ? 'Change channel or mode' : 'Connect Slack';
  return (
    <form
      className="stack"
      noValidate
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run(e.currentTarget);
      }}
    >
      {existing && <h2>{title}</h2>}
      {replacing ? (
        <>
          <TextField
            label="Bot User OAuth Token"
            name="botToken"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required={!existing}
            placeholder="xoxb-…"
            hint={existing ? 'Empty: keep the stored token.' : undefined}
          />
          <TextField
            label="Signing Secret"
            name="signingSecret"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required={!existing}
            hint={existing ? 'Empty: keep the stored secret.' : 'Slack signs its requests with it; Chinwag checks each one.'}
          />
        </>
      ) : (
        <p className="hint">
          The bot token and signing secret are stored and never shown.{' '}
          <Button size="sm" variant="ghost" onClick={() => setReplacing(true)}>
            Replace the token or signing secret
          </Button>
        </p>
      )}
      <TextField
        key={existing?.channelId}
        label="Channel ID"
        name="channelId"
        autoComplete="off"
        spellCheck={false}
        required
        placeholder="C0123ABCD"
        defaultValue={existing?.channelId}
        hint="The app must be in the channel: Chinwag posts a hello there to check."
      />
      <fieldset className="fieldset">
        <legend>Mode</legend>
        <ul className="scope-list">
          {MODES.map((m) => (
            <li key={m.value}>
              <label className="check">
                <input
                  type="radio"
                  name={`${id}-mode`}
                  value={m.value}
                  checked={mode === m.value}
                  onChange={() => setMode(m.value)}
                  aria-describedby={`${id}-${m.value}`}
                />{' '}
                {m.label}
              </label>
              <p className="hint check-hint" id={`${id}-${m.value}`}>
                {m.hint}
              </p>
            </li>
          ))}
        </ul>
      </fieldset>
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={save.busy}>
          {existing ? 'Save' : 'Connect Slack'}
        </Button>
      </div>
      {save.error && (
        <p className="form-error" role="alert">
          {save.error}
        </p>
      )}
    </form>
  );
}
