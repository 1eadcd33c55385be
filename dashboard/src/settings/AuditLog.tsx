/**
 * Audit log (owners and admins): who did what to what, when and from which address,
 * newest first, 25 at a time ("Show more" follows the cursor), filtered by action, and
 * exported as CSV. The export is `GET /audit.csv`, which needs the bearer token, so a plain
 * link cannot fetch it: it is fetched here and saved through a `blob:` URL (the dashboard's
 * CSP governs fetches, not downloads).
 */
import type { AgentClient } from '@chinwag/sdk';
import { useState } from 'react';
import { AuditLogDocument, type AuditEntry, type AuditLogFilter } from '../api';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import { Button, EmptyState, ErrorState, Loading, SelectField, toast, useAction, useLoad } from '../ui';

const PAGE = 25;

/** The actions the server records, as a sentence with the actor left out. */
const ACTIONS: Record<string, string> = {
  'agent.invite': 'Invited an agent',
  'agent.invite_revoke': 'Revoked an invite',
  'agent.set_role': "Changed an agent's role",
  'agent.remove': 'Removed an agent',
  'agent.password_change': 'Changed their password',
  'agent.password_reset': 'Reset their password',
  'agent.email_change': 'Changed their email address',
  'api_key.create': 'Created an API key',
  'api_key.revoke': 'Revoked an API key',
  'department.create': 'Created a department',
  'department.rename': 'Renamed a department',
  'department.delete': 'Deleted a department',
  'department.member_add': 'Added a department member',
  'department.member_remove': 'Removed a department member',
  'website.create': 'Created a website',
  'website.update': 'Updated a website',
  'visitor.block': 'Blocked a visitor',
  'visitor.unblock': 'Unblocked a visitor',
  'visitor.export': "Exported a person's data",
  'visitor.erase': "Erased a person's data",
  'organization.export': 'Exported the whole organization',
  'privacy.erasure_mode': 'Changed the erasure mode',
  'job.retry': 'Retried a job',
  'audit.export': 'Exported the audit log',
};

/** A known action's sentence; an action this build does not know yet reads as itself. */
export const actionLabel = (action: string) => ACTIONS[action] ?? action;

const actorOf = (e: AuditEntry) =>
  e.actorName ?? (e.actorKind === 'api_key' ? 'An API key' : e.actorKind === 'visitor' ? 'A visitor' : e.actorId);

interface Loaded {
  entries: AuditEntry[];
  /** The cursor of the next page, if there is one. */
  next: string | null;
}

export function AuditLogSection() {
  const { client } = useServices();
  const [action, setAction] = useState('');
  const filter: AuditLogFilter | undefined = action ? { action } : undefined;
  const load = async (after?: string): Promise<Loaded> => {
    const { auditLog: page } = await client.request(AuditLogDocument, { filter, first: PAGE, after });
    return { entries: page.edges.map((e) => e.node), next: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null };
  };
  const list = useLoad(() => load(), [action]);
  const more = useAction(async (loaded: Loaded) => {
    const page = await load(loaded.next!);
    list.set({ entries: [...loaded.entries, ...page.entries], next: page.next });
  });
  const exporting = useAction(async () => {
    const rows = await downloadCsv(client, action);
    toast(`Exported ${rows} ${rows === 1 ? 'entry' : 'entries'}`);
    // The export is itself recorded: show it when it belongs in the list.
    if (!action || action === 'audit.export') list.reload();
  });

  const loaded = list.loading ? undefined : list.data;
  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>Audit log</h2>
        <p className="muted">
          Who changed what in your organization, when, and from which address: invites, roles, API keys, departments, websites,
          blocks, privacy requests and exports of this log.
        </p>
        <div className="row-actions audit-filters">
          <SelectField label="Action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">All actions</option>
            {Object.entries(ACTIONS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          <Button icon="download" busy={exporting.busy} onClick={() => void exporting.run()}>
            Export CSV
          </Button>
        </div>
        {exporting.error && (
          <p className="form-error" role="alert">
            {exporting.error}
          </p>
        )}
        {!loaded ? (
          list.error ? (
            <ErrorState error={list.error} retry={list.reload} />
          ) : (
            <Loading />
          )
        ) : !loaded.entries.length ? (
          <EmptyState icon="note" title={action ? 'Nothing recorded for this action' : 'Nothing recorded yet'} />
        ) : (
          <table className="table audit-table" aria-label="Audit log entries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {loaded.entries.map((e) => (
                <tr key={e.id}>
                  <td>
                    <time dateTime={e.createdAt}>{fullDate(e.createdAt)}</time>
                  </td>
                  <td>
                    {actionLabel(e.action)}
                    {e.targetId && <small className="muted">Target {e.targetId}</small>}
                  </td>
                  <td>
                    {actorOf(e)}
                    {e.ip && <small className="muted">IP {e.ip}</small>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {more.error && (
          <p className="form-error" role="alert">
            {more.error}
          </p>
        )}
        <p className="muted" aria-live="polite">
          {!!loaded?.entries.length &&
            (loaded.next
              ? `Showing the newest ${loaded.entries.length} entries.`
              : `Showing all ${loaded.entries.length} ${loaded.entries.length === 1 ? 'entry' : 'entries'}.`)}
        </p>
        {loaded?.next && (
          <div>
            <Button busy={more.busy} onClick={() => void more.run(loaded)}>
              Show more
            </Button>
          </div>
        )}
      </section>
    </div>
  );
}

/**
 * Fetches `GET /audit.csv` (only `action` when set) with the session's token, once more
 * after a refresh if the token had just expired, and saves it; resolves to its row count.
 */
async function downloadCsv(client: AgentClient, action: string): Promise<number> {
  const query = new URLSearchParams(action ? { action } : {});
  const get = () =>
    fetch(`/audit.csv?${query}`, {
      headers: { authorization: `Bearer ${client.session?.accessToken ?? ''}` },
      cache: 'no-store',
    });
  let r = await get();
  if (r.status === 401) {
    // The SDK refreshes the session on a refused request.
    await client.me().catch(() => {});
    r = await get();
  }
  if (!r.ok) {
    const body = (await r.json().catch(() => null)) as { errors?: { message?: string }[] } | null;
    throw new Error(
      r.status === 429
        ? 'The audit log can be exported 10 times an hour: try again later.'
        : (body?.errors?.[0]?.message ?? `The export failed (${r.status}).`),
    );
  }
  const csv = await r.blob();
  const url = URL.createObjectURL(csv);
  const a = document.createElement('a');
  a.href = url;
  a.download = `audit-log${action ? `-${action}` : ''}-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the browser reads the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return (await csv.text()).split('\n').filter(Boolean).length - 1;
}
