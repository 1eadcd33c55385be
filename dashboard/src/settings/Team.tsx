/**
 * The team: who is in it, their roles and capacities (the chats the router gives each at
 * once, as on the Routing page), invitations (emailed by the server, and shown
 * as a link to pass on), removal. A removed agent loses access at once (the server ends
 * its sessions and closes its sockets).
 */
import type { Role } from '@chinwag/sdk';
import { useState } from 'react';
import { InviteAgentDocument, RemoveAgentDocument, SetAgentRoleDocument, type Invite } from '../api';
import { useDirectory, useServices } from '../directory';
import { appUrl } from '../router';
import { useMe } from '../session';
import { AgentCapacity } from './Routing';
import { Avatar, Badge, Button, CodeBlock, Dialog, Loading, SelectField, TextField, errorMessage, toast, useAction } from '../ui';

export function TeamSection() {
  const me = useMe();
  const { client, directory } = useServices();
  const { agents, loaded } = useDirectory();
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);

  async function setRole(agentId: string, role: Role) {
    try {
      await client.request(SetAgentRoleDocument, { agentId, role });
      await directory.reload();
      toast('Role changed: they sign in again');
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  }
  const remove = useAction(async () => {
    await client.request(RemoveAgentDocument, { agentId: removing!.id });
    await directory.reload();
    toast(`${removing!.name} was removed and signed out`);
    setRemoving(null);
  });

  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>Team</h2>
        {!loaded ? (
          <Loading />
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Capacity</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => {
                const locked = a.id === me.id || a.role === 'OWNER';
                return (
                  <tr key={a.id}>
                    <td>
                      <span className="who">
                        <Avatar name={a.name} id={a.id} src={a.avatarUrl} />
                        <span>
                          <strong>{a.name}</strong>
                          {a.id === me.id && ' (you)'}
                          <small className="muted">{a.email}</small>
                        </span>
                      </span>
                    </td>
                    <td>
                      {locked ? (
                        <Badge>{a.role.toLowerCase()}</Badge>
                      ) : (
                        <select
                          className="input input-sm"
                          aria-label={`Role of ${a.name}`}
                          value={a.role}
                          onChange={(e) => void setRole(a.id, e.target.value as Role)}
                        >
                          {me.role === 'OWNER' && <option value="OWNER">Owner</option>}
                          <option value="ADMIN">Admin</option>
                          <option value="AGENT">Agent</option>
                        </select>
                      )}
                    </td>
                    <td>
                      {a.isOnline ? <Badge tone="ok">online</Badge> : <Badge>{a.status === 'AWAY' ? 'away' : 'offline'}</Badge>}
                    </td>
                    <td>
                      <AgentCapacity key={a.capacity} id={a.id} name={a.name} capacity={a.capacity} />
                    </td>
                    <td>
                      {!locked && (
                        <Button size="sm" variant="danger" onClick={() => setRemoving({ id: a.id, name: a.name })}>
                          Remove
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <InviteForm />
      <Dialog
        open={!!removing}
        title={`Remove ${removing?.name ?? ''}?`}
        onClose={() => setRemoving(null)}
        footer={
          <>
            <Button onClick={() => setRemoving(null)}>Cancel</Button>
            <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
              Remove
            </Button>
          </>
        }
      >
        <p>They are signed out everywhere at once and can no longer see conversations. Their conversations stay.</p>
        {remove.error && <p className="form-error">{remove.error}</p>}
      </Dialog>
    </div>
  );
}

function InviteForm() {
  const { client } = useServices();
  const me = useMe();
  const [invite, setInvite] = useState<Invite | null>(null);
  const { run, busy, error } = useAction(async (f: FormData) => {
    const { inviteAgent } = await client.request(InviteAgentDocument, {
      input: { email: String(f.get('email')), role: String(f.get('role')) as Role },
    });
    setInvite(inviteAgent);
  });
  return (
    <section className="panel">
      <h2>Invite an agent</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          void run(new FormData(form)).then((ok) => ok && form.reset());
        }}
      >
        <TextField label="Email" name="email" type="email" required />
        <SelectField label="Role" name="role" defaultValue="AGENT">
          <option value="AGENT">Agent</option>
          {(me.role === 'OWNER' || me.role === 'ADMIN') && <option value="ADMIN">Admin</option>}
        </SelectField>
        <Button type="submit" variant="primary" busy={busy}>
          Send invite
        </Button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {invite && (
        <div className="invite-result" role="status">
          <p>
            We emailed an invite to <strong>{invite.email}</strong>. If it does not arrive, send them this link yourself: it works
            once, until {new Date(invite.expiresAt).toLocaleString()}.
          </p>
          <CodeBlock label="Invite link" code={appUrl(`accept-invite?token=${encodeURIComponent(invite.token)}`)} />
        </div>
      )}
    </section>
  );
}
