/** Saved replies: agents insert them by typing `/shortcut` in the composer. */
import type { CannedResponse } from '@chinwag/sdk';
import { useState } from 'react';
import { useDirectory, useServices } from '../directory';
import { Button, EmptyState, Loading, TextArea, TextField, toast, useAction } from '../ui';

export function CannedSection() {
  const { canned, loaded } = useDirectory();
  const [editing, setEditing] = useState<CannedResponse | 'new' | null>(null);
  if (!loaded) return <Loading />;
  return (
    <div className="stack-lg">
      <section className="panel">
        <div className="panel-title">
          <h2>Saved replies</h2>
          <Button variant="primary" icon="plus" onClick={() => setEditing('new')}>
            New reply
          </Button>
        </div>
        <p className="muted">
          In a conversation, type <kbd>/</kbd> and the shortcut to insert one.
        </p>
        {editing === 'new' && <CannedForm onDone={() => setEditing(null)} />}
        {!canned.length && editing !== 'new' ? (
          <EmptyState icon="note" title="No saved replies yet">
            <p>Save the answers you give most often.</p>
          </EmptyState>
        ) : (
          <ul className="canned-list">
            {canned.map((c) =>
              editing !== 'new' && editing?.id === c.id ? (
                <li key={c.id}>
                  <CannedForm existing={c} onDone={() => setEditing(null)} />
                </li>
              ) : (
                <li key={c.id} className="card">
                  <div>
                    <strong>/{c.shortcut}</strong> · {c.title}
                    <p className="canned-body">{c.body}</p>
                  </div>
                  <Button size="sm" onClick={() => setEditing(c)}>
                    Edit
                  </Button>
                </li>
              ),
            )}
          </ul>
        )}
      </section>
    </div>
  );
}

function CannedForm({ existing, onDone }: { existing?: CannedResponse; onDone(): void }) {
  const { client, directory } = useServices();
  const save = useAction(async (f: FormData) => {
    const input = {
      shortcut: String(f.get('shortcut')).replace(/^\//, ''),
      title: String(f.get('title')),
      body: String(f.get('body')),
    };
    if (existing) await client.updateCannedResponse(existing.id, input);
    else await client.createCannedResponse(input);
    await directory.reload();
    toast('Saved');
    onDone();
  });
  const remove = useAction(async () => {
    await client.deleteCannedResponse(existing!.id);
    await directory.reload();
    onDone();
  });
  return (
    <form
      className="stack card"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run(new FormData(e.currentTarget));
      }}
    >
      <TextField
        label="Shortcut"
        name="shortcut"
        defaultValue={existing?.shortcut}
        required
        pattern="/?[\w-]+"
        hint="Letters, digits, - and _; typed after /."
      />
      <TextField label="Title" name="title" defaultValue={existing?.title} required />
      <TextArea label="Reply" name="body" defaultValue={existing?.body} required rows={3} />
      {(save.error || remove.error) && (
        <p className="form-error" role="alert">
          {save.error || remove.error}
        </p>
      )}
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={save.busy}>
          Save reply
        </Button>
        <Button onClick={onDone}>Cancel</Button>
        {existing && (
          <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
            Delete
          </Button>
        )}
      </div>
    </form>
  );
}
