/**
 * A conversation's tags (docs/routing.md, "Tags"): labels the team sets, or routing rules
 * add. The header shows them; any agent adds and removes them here, in the visitor
 * details under "This conversation" (the header stays one row on a phone). The server keeps at most 10, each 1 to 40
 * letters, digits, spaces, `-` or `_`, lowercased, and refuses anything else with a
 * message shown under the field. Visitors never see them.
 */
import type { AgentConversation } from '@chinwag/sdk';
import { useState } from 'react';
import { useServices } from '../directory';
import { IconButton, useAction } from '../ui';

export function TagEditor({ conversation }: { conversation: AgentConversation }) {
  const { client } = useServices();
  const [text, setText] = useState('');
  // The live conversation hears of the change (ConversationUpdated); until then, show ours.
  const [tags, setTags] = useState<string[] | null>(null);
  const shown = tags ?? conversation.tags;
  const save = useAction(async (next: string[]) => {
    const saved = await client.setConversationTags(conversation.id, next);
    setTags(saved.tags);
  });
  const add = async () => {
    const tag = text.trim();
    if (!tag) return;
    if (shown.includes(tag.toLowerCase()) || (await save.run([...shown, tag]))) setText('');
  };
  return (
    <div className="conv-tags">
      <ul className="tag-list" aria-label="Tags">
        {shown.map((t) => (
          <li key={t} className="tag">
            {t}
            <IconButton
              icon="close"
              label={`Remove tag ${t}`}
              className="tag-remove"
              disabled={save.busy}
              onClick={() => void save.run(shown.filter((x) => x !== t))}
            />
          </li>
        ))}
      </ul>
      <form
        className="tag-add"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input
          className="input input-sm"
          aria-label="Add a tag"
          placeholder="Add a tag"
          maxLength={40}
          value={text}
          aria-invalid={save.error ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            save.setError(null);
          }}
        />
      </form>
      {save.error && (
        <small className="field-error" role="alert">
          {save.error}
        </small>
      )}
    </div>
  );
}
