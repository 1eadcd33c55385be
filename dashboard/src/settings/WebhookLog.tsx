/**
 * An endpoint's delivery log, newest first, 20 at a time ("Load more" follows the
 * connection's cursor): each attempt's time, event, number, outcome, HTTP status, latency,
 * next attempt, whether it was sent by hand, and the start of the answer behind a
 * disclosure; Replay sends its event again. `useDeliveryLog` owns the endpoint and its log
 * (one query brings both) and `watchFor`, which refetches the newest page for a few
 * seconds until an attempt a test, replay or recovery caused appears: the server makes
 * attempts in the background, and nothing announces them, so the page asks.
 */
import { Fragment, useCallback, useEffect, useRef, useState } from 'react';
import { useServices } from '../directory';
import { fullDate } from '../inbox/format';
import { Badge, Button, EmptyState, toast, useAction } from '../ui';
import {
  ReplayWebhookAttemptDocument,
  WebhookEndpointDocument,
  eventName,
  type WebhookAttempt,
  type WebhookAttemptOutcome,
  type WebhookEndpoint,
} from '../webhooks';

const PAGE = 20;
/** How long `watchFor` looks for a new attempt, and how often. */
const WATCH_MS = 10_000;
const WATCH_EVERY_MS = 400;

interface LogState {
  endpoint?: WebhookEndpoint;
  attempts: WebhookAttempt[];
  /** The cursor of the next page, if there is one. */
  next: string | null;
  error?: unknown;
}

export type DeliveryLog = ReturnType<typeof useDeliveryLog>;

export function useDeliveryLog(id: string) {
  const { client } = useServices();
  const [state, setState] = useState<LogState>({ attempts: [], next: null });
  // The latest state, for `watchFor`'s checks between renders.
  const latest = useRef(state);
  latest.current = state;
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => void (alive.current = false);
  }, []);

  const fetchPage = useCallback(
    async (after?: string) => (await client.request(WebhookEndpointDocument, { id, first: PAGE, after })).webhookEndpoint,
    [client, id],
  );
  const set = (next: LogState) => {
    latest.current = next;
    if (alive.current) setState(next);
  };

  const load = useCallback(async () => {
    try {
      const { attempts, ...endpoint } = await fetchPage();
      const loaded = {
        endpoint,
        attempts: attempts.edges.map((e) => e.node),
        next: attempts.pageInfo.hasNextPage ? attempts.pageInfo.endCursor : null,
      };
      latest.current = loaded;
      if (alive.current) setState(loaded);
    } catch (error) {
      if (alive.current) setState((s) => ({ ...s, error }));
    }
  }, [fetchPage]);
  useEffect(() => void load(), [load]);

  /** The newest page again: attempts not seen yet go on top; the pages below and their cursor stay. */
  const refresh = async () => {
    const { attempts, ...endpoint } = await fetchPage();
    const fresh = attempts.edges.map((e) => e.node);
    const known = new Set(latest.current.attempts.map((a) => a.id));
    const byId = new Map(fresh.map((a) => [a.id, a]));
    set({
      ...latest.current,
      endpoint,
      attempts: [...fresh.filter((a) => !known.has(a.id)), ...latest.current.attempts.map((a) => byId.get(a.id) ?? a)],
    });
  };

  /**
   * Refetches until `count` attempts not listed now satisfy `found` (at most a page of
   * them: the newest page is what is refetched); whether they came in time.
   */
  const watchFor = async (found: (a: WebhookAttempt) => boolean, count = 1) => {
    const before = new Set(latest.current.attempts.map((a) => a.id));
    const wanted = Math.min(count, PAGE);
    const deadline = Date.now() + WATCH_MS;
    while (alive.current && Date.now() < deadline) {
      await refresh();
      const seen = latest.current.attempts.filter((a) => !before.has(a.id) && found(a));
      if (seen.length >= wanted) {
        // The endpoint is read just before its attempts: a failure committed between the two
        // reads shows in the log while the endpoint still looks healthy. Read once more.
        if (seen.some((a) => a.outcome !== 'SUCCEEDED')) await refresh();
        return true;
      }
      await new Promise((r) => setTimeout(r, WATCH_EVERY_MS));
    }
    return false;
  };

  const more = useAction(async () => {
    const { attempts } = await fetchPage(latest.current.next!);
    set({
      ...latest.current,
      attempts: [...latest.current.attempts, ...attempts.edges.map((e) => e.node)],
      next: attempts.pageInfo.hasNextPage ? attempts.pageInfo.endCursor : null,
    });
  });

  return {
    ...state,
    reload: () => {
      setState({ attempts: [], next: null });
      void load();
    },
    setEndpoint: (endpoint: WebhookEndpoint) => set({ ...latest.current, endpoint }),
    watchFor,
    more,
  };
}

// To the second: attempts of one event come seconds apart.
const logFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
});
const logTime = (iso: string) => logFmt.format(new Date(iso));

const OUTCOMES: Record<WebhookAttemptOutcome, { label: string; tone: 'ok' | 'warn' | 'neutral' }> = {
  SUCCEEDED: { label: 'Succeeded', tone: 'ok' },
  FAILED: { label: 'Failed', tone: 'warn' },
  EXHAUSTED: { label: 'Gave up', tone: 'warn' },
  GONE: { label: 'Gone (410)', tone: 'warn' },
};

export function WebhookLog({ log }: { log: DeliveryLog }) {
  const { client } = useServices();
  const [replaying, setReplaying] = useState<string | null>(null);
  // The attempts whose response is shown, in a row under each.
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpened((o) => {
      const next = new Set(o);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const replay = useAction(async (a: WebhookAttempt) => {
    setReplaying(a.id);
    try {
      await client.request(ReplayWebhookAttemptDocument, { id: a.id });
      toast(`${eventName(a.eventType ?? 'event')} sent again`);
      // The mutation answers the attempt replayed; the new one is made in the background.
      if (!(await log.watchFor((n) => n.eventId === a.eventId && n.manual)))
        toast('The replay is not logged yet: reload the page in a moment to see it.');
    } finally {
      setReplaying(null);
    }
  });
  const { attempts, next } = log;
  return (
    <section className="panel" aria-labelledby="delivery-log-title">
      <h2 id="delivery-log-title">Delivery log</h2>
      <p className="muted">Every attempt of the last 30 days, newest first. Failed deliveries are retried by themselves.</p>
      {!attempts.length ? (
        <EmptyState icon="send" title="No deliveries yet">
          <p>Send a test event to see one.</p>
        </EmptyState>
      ) : (
        <div className="delivery-scroll">
          <table className="table delivery-table" aria-label="Delivery attempts">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event and attempt</th>
                <th scope="col">Outcome</th>
                <th scope="col">HTTP status</th>
                <th scope="col">Latency</th>
                <th scope="col">Next attempt</th>
                <th scope="col">
                  <span className="sr-only">Response and replay</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <Fragment key={a.id}>
                  <tr>
                    <td data-label="Time">
                      <time dateTime={a.createdAt} title={fullDate(a.createdAt)}>
                        {logTime(a.createdAt)}
                      </time>
                      {a.manual && (
                        <>
                          {' '}
                          <Badge label="Sent by hand">manual</Badge>
                        </>
                      )}
                    </td>
                    <td data-label="Event">
                      <span className="delivery-event">
                        <code>{a.eventType ? eventName(a.eventType) : 'unknown'}</code>
                        <small className="muted">Attempt #{a.attempt}</small>
                      </span>
                    </td>
                    <td data-label="Outcome">
                      <Badge tone={OUTCOMES[a.outcome]?.tone ?? 'neutral'}>{OUTCOMES[a.outcome]?.label ?? a.outcome}</Badge>
                    </td>
                    <td data-label="HTTP status">{a.status ?? 'No answer'}</td>
                    <td data-label="Latency">{a.latencyMs.toLocaleString()} ms</td>
                    <td data-label="Next attempt">
                      {a.nextAttemptAt ? (
                        <time dateTime={a.nextAttemptAt} title={fullDate(a.nextAttemptAt)}>
                          {logTime(a.nextAttemptAt)}
                        </time>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      <div className="delivery-actions">
                        {a.response ? (
                          <Button
                            size="sm"
                            variant="ghost"
                            aria-expanded={opened.has(a.id)}
                            aria-controls={`response-${a.id}`}
                            onClick={() => toggle(a.id)}
                          >
                            Response
                          </Button>
                        ) : (
                          <span className="muted">No body</span>
                        )}
                        <Button
                          size="sm"
                          busy={replaying === a.id}
                          disabled={!!replaying}
                          aria-label={`Replay ${a.eventType ? eventName(a.eventType) : 'event'} attempt #${a.attempt} of ${fullDate(a.createdAt)}`}
                          onClick={() => void replay.run(a)}
                        >
                          Replay
                        </Button>
                      </div>
                    </td>
                  </tr>
                  {a.response && opened.has(a.id) && (
                    <tr className="delivery-detail">
                      <td colSpan={7}>
                        <pre
                          id={`response-${a.id}`}
                          className="delivery-response"
                          tabIndex={0}
                          aria-label={`Response to attempt #${a.attempt} of ${fullDate(a.createdAt)}`}
                        >
                          {a.response}
                        </pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(replay.error || log.more.error) && (
        <p className="form-error" role="alert">
          {replay.error ?? log.more.error}
        </p>
      )}
      <p className="muted" aria-live="polite">
        {!!attempts.length &&
          (next
            ? `Showing the newest ${attempts.length} attempts.`
            : `Showing all ${attempts.length} ${attempts.length === 1 ? 'attempt' : 'attempts'}.`)}
      </p>
      {next && (
        <div>
          <Button busy={log.more.busy} onClick={() => void log.more.run()}>
            Load more
          </Button>
        </div>
      )}
    </section>
  );
}
