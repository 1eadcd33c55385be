/** First run: add a website, then customize, install and test it, step by step. */
import { WebsitesDetailsDocument, type WebsiteDetails } from '../api';
import { useServices } from '../directory';
import { Link } from '../router';
import { ErrorState, Loading, useLoad } from '../ui';
import { NewWebsite, WebsiteEditor } from './Websites';

export default function SetupPage() {
  const { client } = useServices();
  const list = useLoad(async () => (await client.request(WebsitesDetailsDocument)).websites);
  if (list.loading && !list.data) return <Loading />;
  if (list.error) return <ErrorState error={list.error} retry={list.reload} />;
  const website: WebsiteDetails | undefined = list.data?.[list.data.length - 1];
  return (
    <div className="setup">
      <header className="setup-head">
        <h1>Set up your chat</h1>
        <p className="muted">
          {website
            ? 'Make the widget yours, put it on your site, and answer a first chat.'
            : 'First, tell us about the website the chat goes on.'}
        </p>
      </header>
      {website ? (
        <>
          <WebsiteEditor
            website={website}
            numbered
            onSaved={(w) => list.set((list.data ?? []).map((x) => (x.id === w.id ? w : x)))}
          />
          <p className="setup-foot">
            All set? <Link to="inbox/unassigned">Go to your inbox</Link> · Invite your team under{' '}
            <Link to="settings/team">Settings › Team</Link> · Business hours, a pre-chat form and offline messages are under{' '}
            <Link to={`settings/websites/${website.id}`}>Settings › Websites & widget</Link>.
          </p>
        </>
      ) : (
        <NewWebsite onCreated={(w) => list.set([w])} />
      )}
    </div>
  );
}
