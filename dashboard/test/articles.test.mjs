// The Help center section, in Debian's Chromium against a real `chinwag serve`: an agent
// drafts an article (the server makes its slug) and has no way to publish it; an owner
// publishes it and the public help center, fetched over plain HTTP from the same server,
// shows its title and rendered body, while the agent now sees it read-only; a Norwegian
// text gets its tab and is what `?lang=nb` serves; a duplicate slug is refused under the
// slug field and creates nothing; unpublishing answers 404 in the help center again, and
// deleting asks first. The list pages and filters, and the section works on a phone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FJORD_OWNER, PHONE, accessibilityViolations, createWebsite, gql, shot, signIn, teamOfTwo, until } from './harness.mjs';

const TITLE = 'Shipping to Norway';
const SLUG = 'shipping-to-norway';
const BODY = 'We ship to **Norway** with Posten.\n\n- Parcels arrive in 2 to 4 working days\n- Tracking comes by email';

describe('the help center', () => {
  let server, browser, token, shop, outlet, owner, agent, articleId;

  /** The website's articles as the API lists them (drafts too). */
  const articlesOf = async (websiteId) => {
    const r = await gql(
      server,
      'query($w: ID) { articles(websiteId: $w, first: 100) { edges { node { id slug status text { title } } } } }',
      { w: websiteId },
      token,
    );
    assert.ok(r.data, JSON.stringify(r));
    return r.data.articles.edges.map((e) => e.node);
  };
  /** A help center page over plain HTTP, as a visitor's browser or a crawler gets it. */
  const helpPage = async (path) => {
    const r = await fetch(`${server.origin}/help/${shop.publicKey}${path}`);
    return { status: r.status, html: await r.text() };
  };
  const editorUrl = () => `${server.origin}/app/help-center/${articleId}`;
  const preview = (page) => page.frameLocator('iframe[title="Preview of the saved version"]');

  let team;
  before(async () => {
    team = await teamOfTwo({
      prepare: async (server, token) => {
        return [
          await createWebsite(server, token, 'Fjord & Fern shop'),
          await createWebsite(server, token, 'Fjord & Fern outlet'),
        ];
      },
    });
    ({ server, browser, token, owner, agent } = team);
    [shop, outlet] = team.prepared;
  });
  after(() => team?.stop());

  test('an agent drafts an article, the server names it, and nothing lets the agent publish it', async () => {
    await agent.getByRole('link', { name: 'Help center', exact: true }).click();
    await agent.getByLabel('Website').selectOption({ label: 'Fjord & Fern shop' });
    await agent.getByRole('heading', { name: 'No articles yet' }).waitFor();
    // The empty state says what the help center is and links to it.
    const center = `${server.origin}/help/${shop.publicKey}`;
    assert.equal(await agent.locator('.state').getByRole('link', { name: center }).getAttribute('href'), center);

    await agent.getByRole('link', { name: 'New article' }).click();
    await agent.getByLabel('Title').fill(TITLE);
    await agent.getByLabel('Category (optional)').fill('Shipping');
    assert.equal(await agent.getByLabel('Language').inputValue(), 'en');
    await agent.getByLabel('Body (Markdown)').fill(BODY);
    await agent.getByRole('button', { name: 'Save draft' }).click();

    await agent.waitForURL(/\/app\/help-center\/art_/);
    articleId = new URL(agent.url()).pathname.split('/').pop();
    // The slug the server made from the title.
    assert.equal(await agent.getByLabel('Slug (all languages)').inputValue(), SLUG);
    await agent.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
    await preview(agent).locator('strong', { hasText: 'Norway' }).waitFor();
    assert.equal(await preview(agent).locator('li').count(), 2);
    await agent.getByRole('note').filter({ hasText: 'An owner or admin publishes articles.' }).waitFor();
    for (const name of ['Publish', 'Save and publish', 'Unpublish', 'Delete'])
      assert.equal(await agent.getByRole('button', { name, exact: true }).count(), 0, `${name} is offered to an agent`);

    const [saved] = await articlesOf(shop.id);
    assert.deepEqual(saved, { id: articleId, slug: SLUG, status: 'DRAFT', text: { title: TITLE } });
    assert.equal((await helpPage(`/${SLUG}`)).status, 404, 'a draft is in the help center');

    // Unsaved changes: leaving asks, and staying keeps them.
    const body = agent.getByLabel('Body in Markdown (English (en))');
    await body.fill(`${BODY}\nDuties are paid by us.\n`);
    const asked = new Promise((resolve) =>
      agent.once('dialog', (d) => {
        resolve(d.message());
        void d.dismiss();
      }),
    );
    await agent.getByRole('link', { name: 'Inbox', exact: true }).click();
    assert.match(await asked, /Discard your unsaved changes to “Shipping to Norway”/);
    assert.equal(new URL(agent.url()).pathname, `/app/help-center/${articleId}`);
    assert.match(await body.inputValue(), /Duties are paid by us/);
    await agent.getByRole('button', { name: 'Discard changes' }).click();
    assert.equal(await body.inputValue(), BODY);
    assert.deepEqual(agent.errors, []);
  });

  test('an owner publishes it: the help center shows its title and body, and the agent can no longer change it', async () => {
    await owner.getByRole('link', { name: 'Help center', exact: true }).click();
    await owner.getByLabel('Website').selectOption({ label: 'Fjord & Fern shop' });
    const row = owner.getByRole('list', { name: 'Articles' }).getByRole('link', { name: new RegExp(TITLE) });
    await row.waitFor();
    assert.match(await row.innerText(), /Shipping · en · Updated/);
    assert.match(await row.innerText(), /Draft/);
    await shot(owner, 'desktop-help-center-list');

    await row.click();
    await owner.getByRole('button', { name: 'Publish', exact: true }).click();
    const view = owner.getByRole('link', { name: 'View in help center' });
    await view.waitFor();
    assert.equal(await view.getAttribute('href'), `${server.origin}/help/${shop.publicKey}/${SLUG}?lang=en`);
    assert.equal(await view.getAttribute('target'), '_blank');
    assert.match(await view.getAttribute('rel'), /\bnoopener\b/);
    await owner.locator('.article-facts').getByText('Published', { exact: true }).waitFor();
    assert.equal((await articlesOf(shop.id))[0].status, 'PUBLISHED');

    const page = await helpPage(`/${SLUG}`);
    assert.equal(page.status, 200);
    assert.match(page.html, /<h1>Shipping to Norway<\/h1>/);
    assert.match(page.html, /We ship to <strong>Norway<\/strong> with Posten\./);
    assert.match(page.html, /<li>Parcels arrive in 2 to 4 working days<\/li>/);

    await preview(owner).locator('strong', { hasText: 'Norway' }).waitFor();
    await shot(owner, 'desktop-help-center-editor');
    assert.deepEqual(await accessibilityViolations(owner), []);

    // The agent, on the same article now published: read-only, and told why.
    await agent.goto(editorUrl());
    await agent.getByRole('note').filter({ hasText: 'This one is published, so only they can change it.' }).waitFor();
    assert.equal(await agent.getByLabel('Body in Markdown (English (en))').isEditable(), false);
    assert.equal(await agent.getByLabel('Title (English (en))').isEditable(), false);
    for (const name of ['Save changes', 'Add language', 'Unpublish', 'Delete'])
      assert.equal(await agent.getByRole('button', { name, exact: true }).count(), 0, `${name} is offered to an agent`);
    assert.deepEqual(owner.errors, []);
    assert.deepEqual(agent.errors, []);
  });

  test('a Norwegian text gets its own tab, and the help center serves it with ?lang=nb', async () => {
    await owner.goto(editorUrl());
    await owner.getByRole('button', { name: 'Add language' }).click();
    const form = owner.getByRole('form', { name: 'Add a language' });
    // A tag the server refuses: its reason, under the field.
    await form.getByLabel('Language').fill('norsk!');
    await form.getByLabel('Title').fill('Frakt til Norge');
    await form.getByLabel('Body (Markdown)').fill('Vi sender til hele **Norge** med Posten.');
    await form.getByRole('button', { name: 'Add language' }).click();
    const refusal = form.locator('.field', { has: owner.getByLabel('Language') }).locator('.field-error');
    await refusal.waitFor();
    assert.equal(await refusal.innerText(), 'Language must be a tag like en, nb or pt-br.');
    assert.equal(await form.getByLabel('Language').getAttribute('aria-invalid'), 'true');

    await form.getByLabel('Language').fill('nb');
    await form.getByRole('button', { name: 'Add language' }).click();
    const tab = owner.getByRole('tab', { name: 'Norwegian Bokmål (nb)' });
    await until(async () => (await tab.getAttribute('aria-selected').catch(() => null)) === 'true', 'the Norwegian tab, chosen');
    assert.equal(new URL(owner.url()).search, '?lang=nb');
    assert.equal(await owner.getByRole('tab').count(), 2);
    assert.equal(await owner.getByLabel('Title (Norwegian Bokmål (nb))').inputValue(), 'Frakt til Norge');
    await preview(owner).getByRole('heading', { name: 'Frakt til Norge' }).waitFor();

    const nb = await helpPage(`/${SLUG}?lang=nb`);
    assert.equal(nb.status, 200);
    assert.match(nb.html, /<h1>Frakt til Norge<\/h1>/);
    assert.match(nb.html, /Vi sender til hele <strong>Norge<\/strong>/);
    // English is still the default, and still what the page serves without a language.
    assert.match((await helpPage(`/${SLUG}?lang=en`)).html, /<h1>Shipping to Norway<\/h1>/);
    assert.deepEqual(owner.errors, []);
  });

  test('a duplicate slug shows the server’s refusal under the slug field, and nothing is created', async () => {
    await owner.goto(`${server.origin}/app/help-center/new?website=${shop.id}`);
    await owner.getByLabel('Title').fill('Returns and refunds');
    await owner.getByLabel('Slug (optional)').fill(SLUG);
    await owner.getByLabel('Body (Markdown)').fill('Send it back within 30 days.');
    await owner.getByRole('button', { name: 'Save draft' }).click();
    const slug = owner.getByLabel('Slug (optional)');
    const refusal = owner.locator('.field', { has: slug }).locator('.field-error');
    await refusal.waitFor();
    assert.equal(await refusal.innerText(), 'An article with this slug already exists on this website.');
    assert.equal(await slug.getAttribute('aria-invalid'), 'true');
    assert.equal(await owner.evaluate(() => document.activeElement?.getAttribute('name')), 'slug');
    assert.equal(new URL(owner.url()).pathname, '/app/help-center/new');
    assert.deepEqual(
      (await articlesOf(shop.id)).map((a) => a.slug),
      [SLUG],
    );
    assert.deepEqual(owner.errors, []);
  });

  test('unpublishing takes it out of the help center, and deleting asks first', async () => {
    // Leaving the form above with typing in it asks first; the test means to leave.
    owner.once('dialog', (d) => void d.accept());
    await owner.goto(editorUrl());
    await owner.getByRole('button', { name: 'Unpublish' }).click();
    await owner.getByRole('button', { name: 'Publish', exact: true }).waitFor();
    assert.equal((await articlesOf(shop.id))[0].status, 'DRAFT');
    assert.equal((await helpPage(`/${SLUG}`)).status, 404);
    assert.equal((await helpPage(`/${SLUG}?lang=nb`)).status, 404);
    assert.equal(await owner.getByRole('link', { name: 'View in help center' }).count(), 0);

    await owner.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = owner.getByRole('dialog', { name: `Delete “${TITLE}”?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await articlesOf(shop.id)).length, 1, 'Cancel deleted it');
    await owner.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete article' }).click();
    await owner.getByRole('heading', { name: 'No articles yet' }).waitFor();
    assert.deepEqual(await articlesOf(shop.id), []);
    assert.deepEqual(owner.errors, []);
  });

  test('the list pages 20 at a time and filters by status, on a phone too', async () => {
    for (let i = 1; i <= 22; i++) {
      const r = await gql(
        server,
        'mutation($i: CreateArticleInput!) { createArticle(input: $i) { id } }',
        {
          i: {
            websiteId: outlet.id,
            title: `Care guide ${i}`,
            body: `How to look after fern number ${i}.`,
            language: 'en',
            category: 'Care',
          },
        },
        token,
      );
      assert.ok(r.data, JSON.stringify(r));
      if (i % 11 === 0)
        await gql(server, 'mutation($id: ID!) { publishArticle(id: $id) { id } }', { id: r.data.createArticle.id }, token);
    }
    const phone = await signIn(browser, server, FJORD_OWNER, { ...PHONE, locale: 'en-US' });
    await phone.goto(`${server.origin}/app/help-center?website=${outlet.id}`);
    const rows = phone.getByRole('list', { name: 'Articles' }).getByRole('listitem');
    await until(async () => (await rows.count()) === 20, 'the first 20 articles');
    // Newest change first: the last one made.
    assert.match(await rows.first().innerText(), /Care guide 22/);
    await phone.getByRole('button', { name: 'Load more' }).click();
    await until(async () => (await rows.count()) === 22, 'all 22 articles');
    assert.equal(await phone.getByRole('button', { name: 'Load more' }).count(), 0);

    await phone.getByRole('radio', { name: 'Published' }).click();
    await until(async () => (await rows.count()) === 2, 'the 2 published articles');
    assert.match(new URL(phone.url()).search, /status=PUBLISHED/);
    assert.deepEqual((await rows.allInnerTexts()).map((t) => t.match(/Care guide \d+/)[0]).sort(), [
      'Care guide 11',
      'Care guide 22',
    ]);
    const fits = () =>
      phone.evaluate(() => {
        const help = document.querySelector('.help');
        return help.scrollWidth <= help.clientWidth && document.documentElement.scrollWidth <= innerWidth;
      });
    assert.ok(await fits(), 'the list is wider than the phone');
    await shot(phone, 'phone-help-center-list');

    await rows.first().getByRole('link').click();
    await preview(phone)
      .getByRole('heading', { name: /Care guide/ })
      .waitFor();
    assert.ok(await fits(), 'the editor is wider than the phone');
    // One pane above the other: the preview under the Markdown.
    const box = async (l) => await l.boundingBox();
    const source = await box(phone.getByLabel('Body in Markdown (English (en))'));
    const frame = await box(phone.locator('iframe[title="Preview of the saved version"]'));
    assert.ok(frame.y > source.y + source.height, 'the preview is not under the Markdown');
    assert.ok(frame.width <= 390 && source.width <= 390);
    await shot(phone, 'phone-help-center-editor');
    assert.deepEqual(await accessibilityViolations(phone), []);
    assert.deepEqual(phone.errors, []);
    await phone.context().close();
  });

  test('another language becomes the default, and the old default can then be removed', async () => {
    const call = async (query, variables) => {
      const r = await gql(server, query, variables, token);
      assert.ok(r.data, JSON.stringify(r));
      return r.data;
    };
    const { id } = (
      await call('mutation($i: CreateArticleInput!) { createArticle(input: $i) { id } }', {
        i: { websiteId: shop.id, title: 'Gift cards', body: 'Gift cards never expire.', language: 'en' },
      })
    ).createArticle;
    await call(
      'mutation($id: ID!) { updateArticle(id: $id, input: { language: "de", title: "Gutscheine", body: "Sie verfallen nie." }) { id } }',
      { id },
    );
    await owner.goto(`${server.origin}/app/help-center/${id}`);
    // The keyboard moves among the tabs; Enter opens one.
    await owner.getByRole('tab', { name: /English \(en\)/ }).focus();
    await owner.keyboard.press('ArrowRight');
    await owner.keyboard.press('Enter');
    const german = owner.getByRole('tab', { name: /German \(de\)/ });
    await until(async () => (await german.getAttribute('aria-selected').catch(() => null)) === 'true', 'the German tab, chosen');
    assert.equal(await owner.evaluate(() => document.activeElement?.id), 'lang-tab-de');
    assert.equal(await owner.getByLabel('Title (German (de))').inputValue(), 'Gutscheine');

    await owner.getByRole('button', { name: 'Make default language' }).click();
    await owner.getByRole('tab', { name: 'German (de) · default' }).waitFor();
    assert.equal((await call('query($id: ID!) { article(id: $id) { defaultLanguage } }', { id })).article.defaultLanguage, 'de');
    // The default language's text stays: nothing offers to remove it.
    assert.equal(await owner.getByRole('button', { name: 'Remove this language' }).count(), 0);

    await owner.getByRole('tab', { name: /English \(en\)/ }).click();
    const asked = new Promise((resolve) =>
      owner.once('dialog', (d) => {
        resolve(d.message());
        void d.accept();
      }),
    );
    await owner.getByRole('button', { name: 'Remove this language' }).click();
    assert.equal(await asked, 'Remove the English (en) text of “Gift cards”?');
    await until(async () => (await owner.getByRole('tab').count()) === 1, 'one tab left');
    assert.equal(await german.getAttribute('aria-selected'), 'true');
    const { texts } = (await call('query($id: ID!) { article(id: $id) { texts { language } } }', { id })).article;
    assert.deepEqual(texts, [{ language: 'de' }]);
    assert.deepEqual(owner.errors, []);
  });
});
