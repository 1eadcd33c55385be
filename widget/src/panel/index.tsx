/**
 * The panel chunk: the chat panel, rendered (by `dom.ts`, the widget's own renderer) into
 * the widget's shadow root, next to the launcher, with its own stylesheet (which never
 * leaves the shadow root).
 */
import type { Core } from '../core.js';
import { App, isOffline, Offline } from './App.js';
import { PreChat } from './Chat.js';
import { render } from './dom.js';
import { sheetsGoTo } from './lazy.js';
import css from './panel.css';

/**
 * Renders the (hidden) panel once, in the visitor's language; `core.open()` shows it.
 * A first-time visitor who will see the offline or the pre-chat form gets it at once.
 */
export async function mount(core: Core): Promise<void> {
  const { config, style } = core.host;
  // First: a part's module, when it runs, adds its stylesheet.
  sheetsGoTo(core.host);
  const form = core.client.hasSession() ? null : isOffline(config) ? Offline : config.preChatFields.length ? PreChat : null;
  await Promise.all([core.loadStrings(core.host.locale()), form?.preload()]);
  style(css);
  const slot = document.createElement('div');
  core.host.launcher.before(slot);
  render(<App core={core} />, slot);
}
