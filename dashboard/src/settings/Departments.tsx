/**
 * Departments: teams conversations can be transferred to, who is in each, and how each
 * one's waiting chats get an agent (its assignment mode, as on the Routing page).
 */
import { useState } from 'react';
import {
  AddDepartmentMemberDocument,
  CreateDepartmentDocument,
  DeleteDepartmentDocument,
  RemoveDepartmentMemberDocument,
} from '../api';
import { useDirectory, useServices } from '../directory';
import { Button, EmptyState, IconButton, Loading, TextField, errorMessage, toast, useAction } from '../ui';
import { DepartmentAssignment } from './Routing';

export function DepartmentsSection() {
  const { client, directory } = useServices();
  const { departments, agents, loaded } = useDirectory();
  const [adding, setAdding] = useState<Record<string, string>>({});
  const create = useAction(async (name: string) => {
    await client.request(CreateDepartmentDocument, { name });
    await directory.reload();
  });
  const change = async (what: () => Promise<unknown>) => {
    try {
      await what();
      await directory.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  if (!loaded) return <Loading />;
  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>Departments</h2>
        {!departments.length && (
          <EmptyState icon="transfer" title="No departments yet">
            <p>Create one (Sales, Support…) to transfer conversations to a team.</p>
          </EmptyState>
        )}
        <ul className="dept-list">
          {departments.map((d) => (
            <li key={d.id} className="card">
              <div className="dept-head">
                <h3>{d.name}</h3>
                <IconButton
                  icon="trash"
                  label={`Delete ${d.name}`}
                  onClick={() =>
                    confirm(`Delete ${d.name}?`) && void change(() => client.request(DeleteDepartmentDocument, { id: d.id }))
                  }
                />
              </div>
              <div className="inline-form">
                <span className="muted">Assignment</span>
                <DepartmentAssignment id={d.id} name={d.name} assignment={d.assignment} />
              </div>
              <ul className="chips">
                {d.members.map((m) => (
                  <li key={m.id} className="chip">
                    {m.name}
                    <button
                      type="button"
                      aria-label={`Remove ${m.name} from ${d.name}`}
                      onClick={() =>
                        void change(() => client.request(RemoveDepartmentMemberDocument, { departmentId: d.id, agentId: m.id }))
                      }
                    >
                      ×
                    </button>
                  </li>
                ))}
                {!d.members.length && <li className="muted">No members</li>}
              </ul>
              <div className="inline-form">
                <select
                  className="input input-sm"
                  aria-label={`Add a member to ${d.name}`}
                  value={adding[d.id] ?? ''}
                  onChange={(e) => setAdding({ ...adding, [d.id]: e.target.value })}
                >
                  <option value="">Add a member…</option>
                  {agents
                    .filter((a) => !d.members.some((m) => m.id === a.id))
                    .map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                      </option>
                    ))}
                </select>
                <Button
                  size="sm"
                  disabled={!adding[d.id]}
                  onClick={() =>
                    void change(() =>
                      client.request(AddDepartmentMemberDocument, { departmentId: d.id, agentId: adding[d.id]! }),
                    ).then(() => setAdding({ ...adding, [d.id]: '' }))
                  }
                >
                  Add
                </Button>
              </div>
            </li>
          ))}
        </ul>
      </section>
      <section className="panel">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            void create.run(String(new FormData(form).get('name'))).then((ok) => ok && form.reset());
          }}
        >
          <TextField label="New department" name="name" required placeholder="Sales" />
          <Button type="submit" variant="primary" busy={create.busy}>
            Create
          </Button>
        </form>
        {create.error && <p className="form-error">{create.error}</p>}
      </section>
    </div>
  );
}
