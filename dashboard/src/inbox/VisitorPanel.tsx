/**
 * The visitor sidebar: who they are, their browser, presence, and this conversation's
 * facts. Past conversations and pages viewed appear once the API offers them
 * (`features.ts`).
 */
import type { AgentConversation } from '@chinwag/sdk';
import { VisitorDetailsDocument } from '../api';
import { useServices } from '../directory';
import { features } from '../features';
import { Avatar, ErrorState, IconButton, Loading, useLoad } from '../ui';
import { browserOf, fullDate, visitorName } from './format';

export function VisitorPanel({ conversation, onClose }: { conversation: AgentConversation; onClose(): void }) {
  const { client } = useServices();
  const id = conversation.id;
  const details = useLoad(async () => (await client.request(VisitorDetailsDocument, { id })).conversation.visitor, [id]);
  const v = details.data;
  return (
    <aside className="visitor-panel" aria-label="Visitor details">
      <header className="panel-head">
        <h2>Visitor</h2>
        <IconButton icon="close" label="Close visitor details" onClick={onClose} />
      </header>
      {details.loading && !v ? (
        <Loading />
      ) : details.error ? (
        <ErrorState error={details.error} retry={details.reload} />
      ) : v ? (
        <>
          <div className="visitor-card">
            <Avatar name={visitorName(v)} id={v.id} online={v.isOnline} />
            <div>
              <strong>{visitorName(v)}</strong>
              <p className="muted">{v.isOnline ? 'Online now' : `Last seen ${fullDate(v.lastSeenAt)}`}</p>
            </div>
          </div>
          <dl className="facts">
            <dt>Email</dt>
            <dd>{v.email ? <a href={`mailto:${v.email}`}>{v.email}</a> : <span className="muted">Not given</span>}</dd>
            {v.externalId && (
              <>
                <dt>Verified user id</dt>
                <dd>{v.externalId}</dd>
              </>
            )}
            <dt>Browser</dt>
            <dd>{browserOf(v.userAgent) ?? <span className="muted">Unknown</span>}</dd>
            <dt>First seen</dt>
            <dd>{fullDate(v.createdAt)}</dd>
          </dl>
          <h3>This conversation</h3>
          <dl className="facts">
            <dt>Started</dt>
            <dd>{fullDate(conversation.createdAt)}</dd>
            <dt>First response</dt>
            <dd>
              {conversation.firstResponseAt ? fullDate(conversation.firstResponseAt) : <span className="muted">Not yet</span>}
            </dd>
            {conversation.rating != null && (
              <>
                <dt>Rating</dt>
                <dd>
                  {'★'.repeat(conversation.rating)}
                  {'☆'.repeat(5 - conversation.rating)} {conversation.ratingComment}
                </dd>
              </>
            )}
          </dl>
          {features.pastConversations && <h3>Past conversations</h3>}
          {features.pagesViewed && <h3>Pages viewed</h3>}
        </>
      ) : null}
    </aside>
  );
}
