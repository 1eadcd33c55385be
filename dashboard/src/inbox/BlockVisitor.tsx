/**
 * Blocking from the visitor panel: whether the visitor is blocked (read with the panel),
 * "Block visitor" behind a confirmation dialog (a reason for the team and, optionally,
 * the visitor's network), and "Unblock". The server revokes the visitor's tokens at once
 * (its open chat stops) and refuses its new sessions. Every block in force is listed
 * under Settings › Blocked visitors (settings/Blocks.tsx).
 */
import { useEffect, useId, useRef, useState } from 'react';
import { BlockVisitorDocument, UnblockVisitorDocument, VisitorBlocksDocument, type VisitorBlock } from '../api';
import { useDirectory, useServices } from '../directory';
import { Button, Dialog, Icon, TextArea, errorMessage, toast, useAction, useLoad } from '../ui';
import { fullDate } from './format';

/** The server's limit on a block's reason, in characters. */
const MAX_REASON = 500;
/** How many blocks of one visitor the panel reads: blocking twice makes two. */
const PER_VISITOR = 10;

/** Who made a block, for a sentence: a teammate's name, or what else it was. */
export function useBlockedBy(): (block: VisitorBlock) => string {
  const { directory } = useServices();
  useDirectory(); // re-render when names arrive
  return (b) => (b.createdBy.startsWith('key_') ? 'an API key' : (directory.agentName(b.createdBy) ?? 'a former teammate'));
}

/** The panel's block status: "Blocked" with the reason and Unblock, or the Block action. */
export function BlockStatus({ visitorId, name }: { visitorId: string; name: string }) {
  const { client } = useServices();
  const blockedBy = useBlockedBy();
  const blocks = useLoad(
    async () =>
      (await client.request(VisitorBlocksDocument, { visitorId, first: PER_VISITOR })).visitorBlocks.edges.map((e) => e.node),
    [visitorId],
  );
  const [dialog, setDialog] = useState(false);
  const headingId = useId();
  // The button pressed (Block in the dialog, Unblock) is gone once it worked: the focus
  // goes to what took its place rather than to the page.
  const box = useRef<HTMLDivElement>(null);
  const moveFocus = useRef(false);
  useEffect(() => {
    if (!moveFocus.current) return;
    moveFocus.current = false;
    box.current?.querySelector<HTMLElement>('.block-focus')?.focus();
  }, [blocks.data]);
  const unblock = useAction(async () => {
    for (const b of blocks.data ?? []) await client.request(UnblockVisitorDocument, { id: b.id });
    moveFocus.current = true;
    blocks.set([]);
    toast(`${name} was unblocked`);
  });

  if (blocks.loading && !blocks.data) return null;
  if (blocks.error)
    return (
      <div className="form-error" role="alert">
        Could not check whether this visitor is blocked: {errorMessage(blocks.error)}{' '}
        <Button size="sm" variant="ghost" onClick={blocks.reload}>
          Try again
        </Button>
      </div>
    );
  const newest = blocks.data?.[0];
  return (
    <div ref={box} className="block-area">
      {newest ? (
        <section className="block-status" aria-labelledby={headingId}>
          <h3 id={headingId} className="block-focus" tabIndex={-1}>
            <Icon name="block" size={16} /> Blocked
          </h3>
          <p className="block-reason">{newest.reason ?? <span className="muted">No reason given.</span>}</p>
          <p className="block-meta">
            By {blockedBy(newest)}, {fullDate(newest.createdAt)}.{' '}
            {newest.coversNetwork
              ? 'New chats from them and from their network are refused.'
              : 'New chats from them are refused.'}
          </p>
          {unblock.error && (
            <p className="form-error" role="alert">
              {unblock.error}
            </p>
          )}
          <Button size="sm" busy={unblock.busy} onClick={() => void unblock.run()}>
            Unblock
          </Button>
        </section>
      ) : (
        <Button size="sm" variant="danger" icon="block" className="block-focus" onClick={() => setDialog(true)}>
          Block visitor
        </Button>
      )}
      <BlockDialog
        open={dialog}
        visitorId={visitorId}
        name={name}
        onClose={() => setDialog(false)}
        onBlocked={(block) => {
          moveFocus.current = true;
          setDialog(false);
          blocks.set([block, ...(blocks.data ?? [])]);
          toast(`${name} is blocked`);
        }}
      />
    </div>
  );
}

function BlockDialog({
  open,
  visitorId,
  name,
  onClose,
  onBlocked,
}: {
  open: boolean;
  visitorId: string;
  name: string;
  onClose(): void;
  onBlocked(block: VisitorBlock): void;
}) {
  const { client } = useServices();
  const formId = useId();
  const networkHint = useId();
  const block = useAction(async (form: FormData) => {
    const reason = String(form.get('reason') ?? '').trim();
    const { blockVisitor } = await client.request(BlockVisitorDocument, {
      input: { visitorId, reason: reason || undefined, network: form.get('network') === 'on' },
    });
    onBlocked(blockVisitor);
  });
  const close = () => {
    block.setError(null); // the next opening starts clean, like its form
    onClose();
  };
  return (
    <Dialog
      open={open}
      title={`Block ${name}?`}
      onClose={close}
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" form={formId} variant="danger" busy={block.busy}>
            Block visitor
          </Button>
        </>
      }
    >
      <form
        id={formId}
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void block.run(new FormData(e.currentTarget));
        }}
      >
        <p>Their chat stops at once, and they cannot start a new one until you unblock them.</p>
        <TextArea
          label="Reason (optional)"
          name="reason"
          rows={3}
          maxLength={MAX_REASON}
          hint={`For your team only; up to ${MAX_REASON} characters.`}
        />
        <div>
          <label className="check">
            <input type="checkbox" name="network" aria-describedby={networkHint} /> Also block new chats from this visitor&apos;s
            network
          </label>
          <p className="hint check-hint" id={networkHint}>
            Everyone else on that network (an office, a school, a café) is blocked too.
          </p>
        </div>
        {block.error && (
          <p className="form-error" role="alert">
            {block.error}
          </p>
        )}
      </form>
    </Dialog>
  );
}
