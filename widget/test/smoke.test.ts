import { describe, expect, it } from 'vitest';
import { newContext, openChat, openShop, organization, say, screenshot, useBrowser, widget } from './fixture.js';

useBrowser();
describe('smoke', () => {
  it('opens', async () => {
    const { websiteKey } = await organization();
    const page = await openShop(await newContext(), websiteKey);
    await openChat(page);
    await say(page, 'Hello there https://example.com/x');
    await expect.poll(() => widget(page).bubbles.count()).toBe(2);
    await screenshot(page, 'smoke');
  });
});
