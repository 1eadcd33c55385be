/**
 * The Transfer dialog: another agent, a department or back to the queue, with an optional
 * note for the next agent, posted as a private note before the assignment so that it is
 * the first thing they read. "Insert summary" (Alt+S while the dialog is open) fills the
 * note with the server's summary of the conversation (docs/assistant.md): into an empty
 * note, else after what was written.
 */
import type { AgentConversation } from '@chinwag/sdk';
import { useEffect, useRef, useState } from 'react';
import { ConversationSummaryDocument } from '../api';
import { useDirectory, useServices } from '../directory';
import { Button, Dialog, SelectField, TextArea, errorMessage, toast } from '../ui';

export function TransferDialog({
  open,
  conversation,
  onClose,
}: {
  open: boolean;
  conversation: AgentConversation;
  onClose(): void;
}) {
  const { client } = useServices();
  const { agents, departments } = useDirectory();
  const [agentId, setAgentId] = useState('');
  const [departmentId, setDepartmentId] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [summarizing, setSummarizing] = useState(false);
  const noteBox = useRef<HTMLTextAreaElement>(null);

  // Filled when it opens, not on each change of the conversation meanwhile (an update
  // arriving while the agent picks would undo the pick).
  const [wasOpen, setWasOpen] = useState(false);
  if (open !== wasOpen) {
    setWasOpen(open);
    if (open) {
      setAgentId(conversation.assignee?.id ?? '');
      setDepartmentId(conversation.department?.id ?? '');
      setNote('');
    }
  }

  async function insertSummary() {
    if (summarizing) return;
    setSummarizing(true);
    try {
      const { conversationSummary } = await client.request(ConversationSummaryDocument, { conversationId: conversation.id });
      const text = conversationSummary.text.trim();
      setNote((n) => (n.trim() ? `${n.trimEnd()}\n\n${text}` : text));
      // The caret after the summary, to go on writing.
      requestAnimationFrame(() => {
        const box = noteBox.current;
        if (!box) return;
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      });
    } catch (e) {
      toast(`No summary: ${errorMessage(e)}`, 'error');
    } finally {
      setSummarizing(false);
    }
  }

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      // By the key's place, not its character: Alt+S types "ß" on a Mac.
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== 'KeyS') return;
      e.preventDefault();
      void insertSummary();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  async function transfer() {
    setBusy(true);
    try {
      const body = note.trim();
      if (body) {
        await client.sendMessage(conversation.id, body, { isPrivate: true });
        // Posted: a retry after a failed assignment must not post it twice.
        setNote('');
      }
      await client.assignConversation(conversation.id, { agentId: agentId || null, departmentId: departmentId || null });
      toast(body ? 'Transferred with your note' : 'Transferred');
      onClose();
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      title="Transfer conversation"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} onClick={transfer}>
            Transfer
          </Button>
        </>
      }
    >
      <SelectField label="Agent" value={agentId} onChange={(e) => setAgentId(e.target.value)}>
        <option value="">No one (back to the queue)</option>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} {a.isOnline ? '(online)' : a.status === 'AWAY' ? '(away)' : '(offline)'}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Department"
        value={departmentId}
        onChange={(e) => setDepartmentId(e.target.value)}
        hint={departments.length ? undefined : 'Admins create departments under Settings.'}
      >
        <option value="">None</option>
        {departments.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </SelectField>
      <TextArea
        ref={noteBox}
        label="Note for the next agent"
        hint="Optional. Posted as a private note before the transfer; Alt+S inserts a summary."
        rows={6}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <Button
        size="sm"
        busy={summarizing}
        className="transfer-summary"
        title="Insert a summary of the conversation into the note (Alt+S)"
        aria-keyshortcuts="Alt+S"
        onClick={insertSummary}
      >
        Insert summary
      </Button>
    </Dialog>
  );
}
