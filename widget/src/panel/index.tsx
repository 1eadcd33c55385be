/**
 * The panel chunk: Preact renders the chat panel into the widget's shadow root, next to
 * the launcher, with its own stylesheet (which never leaves the shadow root).
 */
import { render } from 'preact';
import type { Core } from '../core.js';
import { App } from './App.js';
import { loadStrings } from './i18n.js';
import css from './panel.css';

/** Renders the (hidden) panel once, in the visitor's language; `core.open()` shows it. */
export async function mount(core: Core): Promise<void> {
  await loadStrings(core.host.locale());
  core.host.style(css);
  const slot = document.createElement('div');
  core.host.launcher.before(slot);
  render(<App core={core} />, slot);
}
