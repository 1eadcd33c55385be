/**
 * Blocked visitors: every block in force, newest first, 25 at a time ("Show more" follows
 * the cursor), each with Unblock. Blocks are made from a conversation's visitor details
 * (inbox/BlockVisitor.tsx); any agent may lift one.
 */
import { useState } from 'react';
import { UnblockVisitorDocument, VisitorBlocksDocument, type VisitorBlock } from '../api';
import { useServices } from '../directory';
import { useBlockedBy } from '../inbox/BlockVisitor';
import { fullDate, visitorName } from '../inbox/format';
import { Button, EmptyState, ErrorState, Loading, toast, useAction, useLoad } from '../ui';

const PAGE = 25;

interface Loaded {
  blocks: VisitorBlock[];
  /** The cursor of the next page, if there is one. */
  next: string | null;
}

const nameOf = (b: VisitorBlock) => (b.visitor ? visitorName(b.visitor) : 'A deleted visitor');

export function BlocksSection() {
  const { client } = useServices();
  const blockedBy = useBlockedBy();
  const load = async (after?: string): Promise<Loaded> => {
    const { visitorBlocks: page } = await client.request(VisitorBlocksDocument, { first: PAGE, after });
    return { blocks: page.edges.map((e) => e.node), next: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null };
  };
  const list = useLoad(() => load(), []);
  const more = useAction(async (loaded: Loaded) => {
    const page = await load(loaded.next!);
    list.set({ blocks: [...loaded.blocks, ...page.blocks], next: page.next });
  });
  const [lifting, setLifting] = useState<VisitorBlock | null>(null);
  const unblock = useAction(async (loaded: Loaded, block: VisitorBlock) => {
    setLifting(block);
    try {
      await client.request(UnblockVisitorDocument, { id: block.id });
    } finally {
      setLifting(null);
    }
    // The cursor stays good: pages are keyed by time and id, not by position.
    list.set({ ...loaded, blocks: loaded.blocks.filter((b) => b.id !== block.id) });
    toast(`${nameOf(block)} was unblocked`);
  });

  const loaded = list.data;
  return (
    <div className="stack-lg">
      <section className="panel">
        <h2>Blocked visitors</h2>
        <p className="muted">
          Blocked visitors cannot chat with you. To block someone, open their conversation and its visitor details; any agent can
          unblock them here.
        </p>
        {!loaded ? (
          list.error ? (
            <ErrorState error={list.error} retry={list.reload} />
          ) : (
            <Loading />
          )
        ) : !loaded.blocks.length ? (
          <EmptyState icon="block" title="No one is blocked" />
        ) : (
          <ul className="block-list" aria-label="Blocks in force">
            {loaded.blocks.map((b) => (
              <li key={b.id} className="card">
                <div>
                  <strong>{nameOf(b)}</strong>
                  {b.externalId && <small className="muted"> · user id {b.externalId}</small>}
                  <p className="block-reason">{b.reason ?? <span className="muted">No reason given.</span>}</p>
                  <small className="muted">
                    {fullDate(b.createdAt)}, by {blockedBy(b)}
                    {b.coversNetwork && ' · their network too'}
                  </small>
                </div>
                <Button
                  size="sm"
                  busy={lifting?.id === b.id}
                  disabled={!!lifting || more.busy}
                  aria-label={`Unblock ${nameOf(b)}`}
                  onClick={() => void unblock.run(loaded, b)}
                >
                  Unblock
                </Button>
              </li>
            ))}
          </ul>
        )}
        {(unblock.error || more.error) && (
          <p className="form-error" role="alert">
            {unblock.error || more.error}
          </p>
        )}
        {loaded?.next && (
          <div>
            <Button busy={more.busy} disabled={!!lifting} onClick={() => void more.run(loaded)}>
              Show more
            </Button>
          </div>
        )}
      </section>
    </div>
  );
}
