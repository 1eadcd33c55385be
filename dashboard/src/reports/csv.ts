/**
 * Reports' CSV downloads, `GET /analytics/report.csv` and `/analytics/conversations.csv`
 * (docs/analytics.md): they need the bearer token, so a plain link cannot fetch them;
 * they are fetched here and saved through a `blob:` URL, as the audit log's export is.
 */
import type { AgentClient } from '@chinwag/sdk';
import type { AnalyticsInput } from '../reports';
import type { Range } from './range';

/** The query string of the CSV endpoints: the report's input, lists comma-separated. */
function csvQuery(input: AnalyticsInput): URLSearchParams {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value == null) continue;
    q.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return q;
}

/**
 * Fetches `GET /analytics/report.csv` or `conversations.csv` for `input` with the
 * session's token (once more after a refresh if it had just expired) and saves it
 * through a `blob:` URL, as the audit log's export does; resolves to its row count.
 */
export async function downloadCsv(
  client: AgentClient,
  kind: 'report' | 'conversations',
  input: AnalyticsInput,
  range: Range,
): Promise<number> {
  const get = () =>
    fetch(`/analytics/${kind}.csv?${csvQuery(input)}`, {
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
        ? 'Too many reports this minute: try again in a moment.'
        : (body?.errors?.[0]?.message ?? `The download failed (${r.status}).`),
    );
  }
  const csv = await r.blob();
  const url = URL.createObjectURL(csv);
  const a = document.createElement('a');
  a.href = url;
  const span = range.first === range.last ? range.first : `${range.first}-to-${range.last}`;
  a.download = kind === 'report' ? `report-by-${input.groupBy!.toLowerCase()}-${span}.csv` : `conversations-${span}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the browser reads the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return (await csv.text()).split('\n').filter(Boolean).length - 1;
}
