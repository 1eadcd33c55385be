/**
 * The answer bot's answer as the model server writes it (`answerDrafts`): a bot bubble
 * that grows, then gives way to the bot's message. In Debian's Chromium against the real
 * server, whose model server is the chat-completions double (`modelSays`).
 */
import { describe, expect, it } from 'vitest';
import { modelSays, newContext, openChat, openShop, organization, say, screenshot, useBrowser, widget } from './fixture.js';

useBrowser();

const QUESTION = 'Do you ship parcels to Norway?';
const ANSWER =
  'Yes! We ship parcels to every address in Norway with Posten and Bring. Most parcels arrive within two to four working days, and you can follow yours all the way [1].';

/** What the page saw of the draft: each text it showed, and whether the bot's message was there too. */
interface Seen {
  text: string;
  withMessage: boolean;
}

describe('answer drafts', () => {
  it('grow in a bot bubble hidden from screen readers, then give way to exactly one bot message', async () => {
    const { owner, websiteId, websiteKey } = await organization();
    const article = await owner.createArticle({
      websiteId,
      title: 'Shipping to Norway',
      body: 'We ship parcels to every address in Norway with Posten and Bring.',
      language: 'en',
    });
    await owner.publishArticle(article.id);
    await owner.request('mutation($w: ID!) { updateAssistantSettings(websiteId: $w, input: {answerBot: true}) { answerBot } }', {
      w: websiteId,
    });
    await modelSays(ANSWER, 90);

    const page = await openShop(await newContext(), websiteKey);
    await openChat(page);
    // Every text the draft bubble shows, as the page renders it.
    await page.evaluate(() => {
      const root = document.querySelector('chinwag-widget')!.shadowRoot!;
      const seen: Seen[] = ((window as unknown as { seen: Seen[] }).seen = []);
      new MutationObserver(() => {
        const text = root.querySelector('.draft .bubble')?.textContent ?? '';
        const withMessage = [...root.querySelectorAll('.log .row:not(.draft)')].some((r) => r.textContent!.includes('Posten'));
        if (text && text !== seen[seen.length - 1]?.text) seen.push({ text, withMessage });
      }).observe(root, { subtree: true, childList: true, characterData: true });
    });
    await say(page, QUESTION);

    const w = widget(page);
    const draft = w.root.locator('.log .row.them.draft');
    await draft.waitFor();
    // Named as its message will be: no line appears above the bubble when it lands.
    await expect.poll(() => draft.locator('.who').textContent()).toBe('AAssistant');
    await screenshot(page, 'answer-draft');
    expect(await draft.getAttribute('aria-hidden')).toBe('true');

    // The bot's message, once, and no draft left.
    const answers = w.root.locator('.log .row.them:not(.draft)', { hasText: 'We ship parcels to every address in Norway' });
    await expect.poll(() => answers.count()).toBe(1);
    await expect.poll(() => draft.count()).toBe(0);
    await screenshot(page, 'answer-draft-done');
    const final = (await answers.locator('.bubble').textContent())!;
    expect(final).toContain('you can follow yours all the way');

    const seen = await page.evaluate(() => (window as unknown as { seen: Seen[] }).seen);
    expect(seen.length, `drafts shown: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(3);
    for (const [i, s] of seen.entries()) {
      expect(s.withMessage, 'never beside the message').toBe(false);
      expect(ANSWER.startsWith(s.text.trimEnd()), `${JSON.stringify(s.text)} starts the answer`).toBe(true);
      if (i > 0) expect(s.text.length).toBeGreaterThan(seen[i - 1]!.text.length);
    }
    expect(seen[0]!.text.length, 'partial text first').toBeLessThan(ANSWER.length - 20);
    // Only the question and the answer: no draft was kept as a message.
    await expect.poll(() => w.messages.count()).toBe(3);
  });
});
