/**
 * Help center (docs/dashboard.md, "Help center"; the server's side is docs/assistant.md):
 * the knowledge base of each website, written here in Markdown and served to visitors at
 * `/help/<website key>`. Its own chunk, loaded on first visit. Three screens, each at an
 * address that can be shared: the list (`help-center?website=…&status=…`), a new article
 * (`help-center/new?website=…`) and an article (`help-center/<id>?lang=nb`); and, for owners
 * and admins, the answer bot's settings (`help-center/bot?website=…`) and the help center's
 * address, its own host name (`help-center/address?website=…`).
 */
import { useServices } from '../directory';
import { HelpWebsitesDocument } from '../articles';
import { Link, useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import { ErrorState, Loading, useLoad } from '../ui';
import { AnswerBot } from './AnswerBot';
import { ArticleEditor } from './ArticleEditor';
import { ArticleList } from './ArticleList';
import { HelpAddress } from './HelpAddress';
import { NewArticle } from './NewArticle';

export default function HelpCenterPage() {
  const { client } = useServices();
  const me = useMe();
  const { segments, query } = useLocation();
  const websites = useLoad(async () => (await client.request(HelpWebsitesDocument)).websites, [client]);
  const sub = segments[1] ?? null;
  let body;
  if (websites.error) body = <ErrorState error={websites.error} retry={websites.reload} />;
  else if (!websites.data) body = <Loading />;
  else if (!websites.data.length)
    body = (
      <>
        <h1>Help center</h1>
        <p className="notice" role="note">
          No website yet: articles belong to a website.{' '}
          {isAdmin(me) ? (
            <Link to="settings/websites">Add one under Settings › Websites & widget</Link>
          ) : (
            'An owner or admin adds one under Settings › Websites & widget'
          )}
          .
        </p>
      </>
    );
  else if (sub === 'bot') body = <AnswerBot websites={websites.data} />;
  else if (sub === 'address') body = <HelpAddress websites={websites.data} />;
  else if (sub === 'new') body = <NewArticle websites={websites.data} websiteId={query.get('website')} />;
  else if (sub) body = <ArticleEditor key={sub} id={sub} websites={websites.data} />;
  else body = <ArticleList websites={websites.data} />;
  return <div className="help">{body}</div>;
}
