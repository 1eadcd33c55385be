// The help center's own host name (Help center › Address), in Debian's Chromium against a
// real `chinwag serve`: an owner gives the shop's help center `help.fjordfern.test` and the
// page shows its new address, after a reload too; a name that is not a host name, and the
// same name for the outlet, are refused under the field and change nothing; an agent has
// no such control; the server, asked for `/` with that `Host`, answers the help center; and
// removing the name leaves it under `/help/<key>` alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { accessibilityViolations, createWebsite, gql, shot, teamOfTwo, until } from './harness.mjs';

const NAME = 'help.fjordfern.test';
const TITLE = 'Caring for moss';

/** `path` from the server with the header `Host: host` (Node's fetch will not send one of its own). */
const getWithHost = (server, host, path) =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      let html = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (html += chunk));
      res.on('end', () => resolve({ status: res.statusCode, html }));
    });
    req.on('error', reject);
    req.end();
  });

describe('the help center’s address', () => {
  let team, server, token, owner, agent, shop, outlet;

  const call = async (query, variables) => {
    const r = await gql(server, query, variables, token);
    assert.ok(r.data, JSON.stringify(r));
    return r.data;
  };
  /** The website's address as the API says it. */
  const addressOf = async (id) =>
    (await call('query($id: ID!) { website(id: $id) { helpCenterDomain helpCenterUrl } }', { id })).website;
  /** The address screen's field, its refusal and the link to the help center now. */
  const field = (page) => page.getByLabel('Own host name');
  const refusal = (page) => page.locator('.field', { has: field(page) }).locator('.field-error');
  const now = (page) => page.locator('.address-now').getByRole('link');

  before(async () => {
    team = await teamOfTwo({
      prepare: async (server, token) => {
        const sites = [
          await createWebsite(server, token, 'Fjord & Fern shop'),
          await createWebsite(server, token, 'Fjord & Fern outlet'),
        ];
        const article = await gql(
          server,
          'mutation($i: CreateArticleInput!) { createArticle(input: $i) { id } }',
          { i: { websiteId: sites[0].id, title: TITLE, body: 'Mist it **twice** a week.', language: 'en' } },
          token,
        );
        assert.ok(article.data, JSON.stringify(article));
        await gql(server, 'mutation($id: ID!) { publishArticle(id: $id) { id } }', { id: article.data.createArticle.id }, token);
        return sites;
      },
    });
    ({ server, token, owner, agent } = team);
    [shop, outlet] = team.prepared;
  });
  after(() => team?.stop());

  test('an owner gives the help center its own host name, and the page shows its new address after a reload', async () => {
    await owner.getByRole('link', { name: 'Help center', exact: true }).click();
    await owner.getByLabel('Website').selectOption({ label: 'Fjord & Fern shop' });
    await owner.getByRole('link', { name: 'Address', exact: true }).click();
    await owner.getByRole('heading', { name: 'Help center address', level: 1 }).waitFor();
    assert.equal(new URL(owner.url()).search, `?website=${shop.id}`);
    // Before: under /help/<key> on this server, as the API says.
    const before = await addressOf(shop.id);
    assert.equal(before.helpCenterDomain, null);
    assert.match(before.helpCenterUrl, new RegExp(`/help/${shop.publicKey}$`));
    assert.equal(await now(owner).getAttribute('href'), before.helpCenterUrl);
    assert.equal(await field(owner).inputValue(), '');
    await owner.getByText('Point the name’s DNS at this server, then save.', { exact: false }).waitFor();

    await field(owner).fill(NAME);
    await owner.getByRole('button', { name: 'Save' }).click();
    await owner.getByText(`The help center is now at http://${NAME}/`).waitFor();
    assert.deepEqual(await addressOf(shop.id), { helpCenterDomain: NAME, helpCenterUrl: `http://${NAME}/` });
    assert.equal(await now(owner).getAttribute('href'), `http://${NAME}/`);

    await owner.reload();
    await now(owner)
      .filter({ hasText: `http://${NAME}/` })
      .waitFor();
    assert.equal(await now(owner).getAttribute('href'), `http://${NAME}/`);
    assert.equal(await now(owner).getAttribute('target'), '_blank');
    assert.equal(await field(owner).inputValue(), NAME);
    await shot(owner, 'desktop-help-center-address');
    assert.deepEqual(await accessibilityViolations(owner), []);
    assert.deepEqual(owner.errors, []);
  });

  test('a name that is not a host name is refused under the field, and nothing changes', async () => {
    await field(owner).fill('https://x');
    await owner.getByRole('button', { name: 'Save' }).click();
    await refusal(owner).waitFor();
    assert.equal(
      await refusal(owner).innerText(),
      'Domain must be a host name such as help.example.com (no scheme, port or path).',
    );
    assert.equal(await field(owner).getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await addressOf(shop.id), { helpCenterDomain: NAME, helpCenterUrl: `http://${NAME}/` });
    assert.equal(await now(owner).getAttribute('href'), `http://${NAME}/`);
    await shot(owner, 'desktop-help-center-address-refused');
    assert.deepEqual(await accessibilityViolations(owner), []);
    // Typing again clears the refusal.
    await field(owner).fill(NAME);
    assert.equal(await refusal(owner).count(), 0);
    assert.deepEqual(owner.errors, []);
  });

  test('another website cannot take the same name', async () => {
    await owner.getByLabel('Website').selectOption({ label: 'Fjord & Fern outlet' });
    assert.equal(new URL(owner.url()).search, `?website=${outlet.id}`);
    await owner.getByRole('heading', { name: 'Help center address', level: 1 }).waitFor();
    await until(async () => (await field(owner).inputValue()) === '', 'the outlet’s empty field');
    await field(owner).fill(NAME.toUpperCase());
    await owner.getByRole('button', { name: 'Save' }).click();
    await refusal(owner).waitFor();
    assert.equal(await refusal(owner).innerText(), "Another website's help center already uses this host name.");
    assert.equal((await addressOf(outlet.id)).helpCenterDomain, null);
    assert.match(await now(owner).getAttribute('href'), new RegExp(`/help/${outlet.publicKey}$`));
    assert.deepEqual(owner.errors, []);
  });

  test('an agent has no such control', async () => {
    await agent.getByRole('link', { name: 'Help center', exact: true }).click();
    await agent.getByRole('link', { name: 'New article' }).waitFor();
    assert.equal(await agent.getByRole('link', { name: 'Address', exact: true }).count(), 0);
    await agent.goto(`${server.origin}/app/help-center/address?website=${shop.id}`);
    await agent.getByRole('note').filter({ hasText: 'Only owners and admins set where the help center is.' }).waitFor();
    assert.equal(await agent.getByLabel('Own host name').count(), 0);
    assert.equal(await agent.getByRole('button', { name: 'Save' }).count(), 0);
    assert.deepEqual(await accessibilityViolations(agent), []);
    assert.deepEqual(agent.errors, []);
  });

  test('the server answers the help center at / for that host name, and no dashboard', async () => {
    const home = await getWithHost(server, NAME, '/');
    assert.equal(home.status, 200);
    assert.match(home.html, /<html/i);
    assert.match(home.html, new RegExp(TITLE));
    const article = await getWithHost(server, NAME, '/caring-for-moss');
    assert.equal(article.status, 200);
    assert.match(article.html, /Mist it <strong>twice<\/strong> a week\./);
    assert.equal((await getWithHost(server, NAME, '/app/')).status, 404);
    // Its own server name still serves the dashboard.
    assert.equal((await getWithHost(server, `127.0.0.1:${server.port}`, '/app/')).status, 200);
  });

  test('removing the name puts the help center back under /help alone', async () => {
    await owner.goto(`${server.origin}/app/help-center/address?website=${shop.id}`);
    await owner.getByRole('button', { name: 'Remove the host name' }).click();
    await owner.getByText('The help center’s own host name is removed').waitFor();
    const address = await addressOf(shop.id);
    assert.equal(address.helpCenterDomain, null);
    assert.equal(await now(owner).getAttribute('href'), address.helpCenterUrl);
    assert.equal(await field(owner).inputValue(), '');
    assert.equal(await owner.getByRole('button', { name: 'Remove the host name' }).count(), 0);
    assert.doesNotMatch((await getWithHost(server, NAME, '/')).html, new RegExp(TITLE));
    assert.deepEqual(owner.errors, []);
  });
});
