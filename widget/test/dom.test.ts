/**
 * The panel's renderer (`src/panel/dom.ts`) on its own, in the browser the widget runs in:
 * bundled as it is written, loaded into a blank page as `window.dom`, and driven with
 * `h` calls. Each test is one thing the panel relies on: keyed and positional children,
 * focus and caret kept, attributes and properties, listeners, controlled inputs, refs,
 * effects and their cleanup, and re-renders batched in a microtask.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newContext, useBrowser } from './fixture.js';

declare global {
  interface Window {
    dom: typeof import('../src/panel/dom.js');
    /** What a test leaves for the next step. */
    t: Record<string, unknown>;
  }
}

useBrowser();

let script = '';
let page: Page;

beforeAll(async () => {
  const { outputFiles } = await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), '../src/panel/dom.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'dom',
    write: false,
    logLevel: 'warning',
  });
  script = outputFiles[0]!.text;
});

beforeEach(async () => {
  page = await (await newContext()).newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.setContent('<!doctype html><title>dom</title><main></main>');
  await page.addScriptTag({ content: `${script};window.t={};` });
});

/** After the renderer's microtask (and any other). */
const settled = () => page.evaluate(() => new Promise((resolve) => setTimeout(resolve)));

describe('the panel renderer', () => {
  it('renders elements, text, numbers, fragments and arrays, and skips holes', async () => {
    const html = await page.evaluate(() => {
      const { h, render, Fragment } = window.dom;
      const Item = ({ n }: { n: number }) => h('li', null, 'item ', n);
      render(
        h(
          'ul',
          null,
          null,
          false,
          h(Fragment, null, h(Item, { n: 1 }), [h(Item, { n: 2 }), undefined, h(Item, { n: 3 })]),
          true,
          'end',
        ),
        document.querySelector('main')!,
      );
      return document.querySelector('main')!.innerHTML;
    });
    expect(html).toBe('<ul><li>item 1</li><li>item 2</li><li>item 3</li>end</ul>');
  });

  it('sets attributes (false and null remove one, but aria-* says "false"), and SVG in its namespace', async () => {
    const first = await page.evaluate(() => {
      const { h, render } = window.dom;
      const main = document.querySelector('main')!;
      const view = (on: boolean) =>
        h(
          'div',
          null,
          h(
            'button',
            {
              class: on ? 'on' : 'off',
              hidden: !on,
              'aria-expanded': on,
              'data-x': on || undefined,
              tabIndex: -1,
              title: on ? 't' : null,
            },
            'b',
          ),
          h('label', { for: 'x' }, 'l'),
          h('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' }, h('path', { d: 'M0 0h1' })),
        );
      window.t.view = view;
      render(view(false), main);
      const svg = main.querySelector('svg')!;
      return { html: main.innerHTML, svg: svg.namespaceURI, path: svg.firstElementChild!.namespaceURI };
    });
    expect(first.html).toBe(
      '<div><button class="off" hidden="true" aria-expanded="false" tabindex="-1">b</button><label for="x">l</label>' +
        '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M0 0h1"></path></svg></div>',
    );
    expect(first.svg).toBe('http://www.w3.org/2000/svg');
    expect(first.path).toBe('http://www.w3.org/2000/svg');
    const second = await page.evaluate(() => {
      const main = document.querySelector('main')!;
      window.dom.render((window.t.view as (on: boolean) => ReturnType<typeof window.dom.h>)(true), main);
      return main.querySelector('button')!.outerHTML;
    });
    expect(second).toBe('<button class="on" aria-expanded="true" tabindex="-1" data-x="true" title="t">b</button>');
  });

  it('listens with the handler of the latest render, to events named in lower case, and stops when it is gone', async () => {
    const calls = await page.evaluate(() => {
      const { h, render } = window.dom;
      const main = document.querySelector('main')!;
      const calls: string[] = [];
      const view = (handler?: (e: Event) => void) =>
        h('div', { onFocusOut: () => calls.push('focusout') }, h('button', { onClick: handler }, 'b'), h('input'));
      render(
        view(() => calls.push('first')),
        main,
      );
      render(
        view((e) => calls.push(`second ${e.type} ${(e.currentTarget as Element).tagName}`)),
        main,
      );
      main.querySelector('button')!.click();
      render(view(), main);
      main.querySelector('button')!.click();
      main.querySelector('input')!.focus();
      main.querySelector('button')!.focus();
      return calls;
    });
    expect(calls).toEqual(['second click BUTTON', 'focusout']);
  });

  it('keeps keyed children (and their state) through a reorder, an insertion and a removal, moving only what moved', async () => {
    const result = await page.evaluate(async () => {
      const { h, render, useState } = window.dom;
      const main = document.querySelector('main')!;
      const Row = ({ id }: { id: string }) => {
        const [clicks, setClicks] = useState(0);
        return h('li', { onClick: () => setClicks((n) => n + 1) }, `${id}:${clicks}`);
      };
      const view = (ids: string[]) =>
        h(
          'ul',
          null,
          ids.map((id) => h(Row, { key: id, id })),
        );
      render(view(['a', 'b', 'c']), main);
      const [a, b, c] = [...main.querySelectorAll('li')];
      b!.click();
      await new Promise((resolve) => setTimeout(resolve));
      const moved: Node[] = [];
      new MutationObserver((records) => records.forEach((r) => moved.push(...r.addedNodes))).observe(main.firstChild!, {
        childList: true,
      });
      render(view(['c', 'a', 'b', 'd']), main);
      await new Promise((resolve) => setTimeout(resolve));
      const after = [...main.querySelectorAll('li')];
      const same = after[0] === c && after[1] === a && after[2] === b;
      render(view(['a', 'b']), main);
      return {
        same,
        text: after.map((li) => li.textContent),
        moved: moved.map((n) => n.textContent),
        last: main.innerHTML,
      };
    });
    expect(result.same).toBe(true);
    expect(result.text).toEqual(['c:0', 'a:0', 'b:1', 'd:0']);
    expect(result.moved).toEqual(['c:0', 'd:0']); // only `c` moved, `d` is new
    expect(result.last).toBe('<ul><li>a:0</li><li>b:1</li></ul>');
  });

  it('keeps an unkeyed sibling in place when a hole before it fills, and remounts a component whose key changes', async () => {
    const result = await page.evaluate(async () => {
      const { h, render, useState, useEffect } = window.dom;
      const main = document.querySelector('main')!;
      const log: string[] = [];
      const Counter = ({ name }: { name: string }) => {
        const [n, set] = useState(0);
        useEffect(() => {
          log.push(`mount ${name}`);
          return () => log.push(`unmount ${name}`);
        }, []);
        return h('button', { onClick: () => set(n + 1) }, `${name}:${n}`);
      };
      const view = (banner: boolean, key: number) =>
        h('div', null, banner && h('p', null, 'banner'), h(Counter, { name: 'plain' }), h(Counter, { key, name: `keyed${key}` }));
      render(view(false, 1), main);
      await new Promise((resolve) => setTimeout(resolve));
      const [plain, keyed] = [...main.querySelectorAll('button')];
      plain!.click();
      keyed!.click();
      await new Promise((resolve) => setTimeout(resolve));
      render(view(true, 1), main);
      const kept = main.querySelectorAll('button')[0] === plain && main.querySelectorAll('button')[1] === keyed;
      const withBanner = main.innerHTML;
      render(view(true, 2), main);
      await new Promise((resolve) => setTimeout(resolve));
      return { kept, withBanner, rekeyed: main.innerHTML, log };
    });
    expect(result.kept).toBe(true);
    expect(result.withBanner).toBe('<div><p>banner</p><button>plain:1</button><button>keyed1:1</button></div>');
    expect(result.rekeyed).toBe('<div><p>banner</p><button>plain:1</button><button>keyed2:0</button></div>');
    expect(result.log).toEqual(['mount plain', 'mount keyed1', 'unmount keyed1', 'mount keyed2']);
  });

  it('puts what a component renders in its place when it had rendered nothing, and swaps an element of another type', async () => {
    const html = await page.evaluate(async () => {
      const { h, render, useState } = window.dom;
      const main = document.querySelector('main')!;
      const seen: string[] = [];
      const Late = () => {
        const [kind, set] = useState<string | null>(null);
        window.t.set = set;
        return kind && h(kind, null, kind);
      };
      render(h('div', null, h('b', null, 'before'), [h(Late, null)], null, h('i', null, 'after')), main);
      const set = window.t.set as (kind: string) => void;
      set('em');
      await new Promise((resolve) => setTimeout(resolve));
      seen.push(main.innerHTML);
      set('strong');
      await new Promise((resolve) => setTimeout(resolve));
      seen.push(main.innerHTML);
      return seen;
    });
    expect(html).toEqual([
      '<div><b>before</b><em>em</em><i>after</i></div>',
      '<div><b>before</b><strong>strong</strong><i>after</i></div>',
    ]);
  });

  it('controls inputs: the value as rendered, the caret and the focus kept while typing, a reset clears the field', async () => {
    await page.evaluate(() => {
      const { h, render, useState } = window.dom;
      const Form = () => {
        const [text, setText] = useState('');
        const [on, setOn] = useState(false);
        window.t.setText = setText;
        return h(
          'form',
          null,
          h('p', null, `${text.length} characters`),
          h('textarea', { value: text, onInput: (e: Event) => setText((e.currentTarget as HTMLTextAreaElement).value) }),
          h('input', { type: 'checkbox', checked: on, onClick: () => setOn(!on) }),
        );
      };
      render(h(Form, null), document.querySelector('main')!);
    });
    const area = page.locator('textarea');
    await area.pressSequentially('hello');
    await area.press('ArrowLeft');
    await area.press('ArrowLeft');
    await area.pressSequentially('XY');
    await settled();
    const typed = await page.evaluate(() => {
      const area = document.querySelector('textarea')!;
      return {
        value: area.value,
        caret: area.selectionStart,
        focused: document.activeElement === area,
        count: document.querySelector('p')!.textContent,
      };
    });
    expect(typed).toEqual({ value: 'helXYlo', caret: 5, focused: true, count: '7 characters' });
    await page.locator('input').click();
    await settled();
    expect(await page.locator('input').isChecked()).toBe(true);
    await page.evaluate(() => (window.t.setText as (text: string) => void)(''));
    await settled();
    expect(await area.inputValue()).toBe('');
  });

  it('sets refs before layout effects run and clears them on unmount', async () => {
    const result = await page.evaluate(() => {
      const { h, render, useRef, useLayoutEffect } = window.dom;
      const main = document.querySelector('main')!;
      let seen = '';
      let ref: { current: HTMLElement | null } = { current: null };
      const Focus = () => {
        ref = useRef<HTMLInputElement>(null);
        useLayoutEffect(() => {
          seen = ref.current!.tagName;
          ref.current!.focus();
        }, []);
        return h('input', { ref });
      };
      render(h('div', null, h(Focus, null)), main);
      const focused = document.activeElement?.tagName;
      render(h('div', null, null), main);
      return { seen, focused, cleared: ref.current === null };
    });
    expect(result).toEqual({ seen: 'INPUT', focused: 'INPUT', cleared: true });
  });

  it('runs layout effects before render returns and effects in a microtask, children first, cleanups before each rerun', async () => {
    const log = await page.evaluate(async () => {
      const { h, render, useEffect, useLayoutEffect, useState } = window.dom;
      const main = document.querySelector('main')!;
      const log: string[] = [];
      const Child = ({ n }: { n: number }) => {
        useLayoutEffect(() => {
          log.push(`child layout ${n}`);
          return () => log.push(`child layout cleanup ${n}`);
        }, [n]);
        useEffect(() => {
          log.push(`child effect ${n}`);
          return () => log.push(`child effect cleanup ${n}`);
        }, [n]);
        return h('span', null, n);
      };
      const Parent = () => {
        const [n, set] = useState(1);
        window.t.set = set;
        useLayoutEffect(() => void log.push(`parent layout ${n}`), [n]);
        useEffect(() => void log.push(`parent effect ${n}`));
        return n < 3 ? h(Child, { n }) : null;
      };
      render(h(Parent, null), main);
      log.push('rendered');
      await Promise.resolve();
      log.push('microtask');
      const set = window.t.set as (n: number) => void;
      set(2);
      await new Promise((resolve) => setTimeout(resolve));
      set(3);
      await new Promise((resolve) => setTimeout(resolve));
      return log;
    });
    expect(log).toEqual([
      'child layout 1',
      'parent layout 1',
      'rendered',
      'child effect 1',
      'parent effect 1',
      'microtask',
      'child layout cleanup 1',
      'child layout 2',
      'parent layout 2',
      'child effect cleanup 1',
      'child effect 2',
      'parent effect 2',
      'child layout cleanup 2',
      'child effect cleanup 2',
      'parent layout 3',
      'parent effect 3',
    ]);
  });

  it('batches state changes into one re-render, parents first, and ignores a setter after unmount', async () => {
    const result = await page.evaluate(async () => {
      const { h, render, useReducer, useState, useMemo } = window.dom;
      const main = document.querySelector('main')!;
      const renders: string[] = [];
      let made = 0;
      const Child = () => {
        const [n, bump] = useReducer((n: number) => n + 1, 0);
        window.t.bump = bump;
        renders.push(`child ${n}`);
        return h('i', null, n);
      };
      const Parent = () => {
        const [a, setA] = useState(() => 10);
        const [b, setB] = useState('x');
        const doubled = useMemo(() => (made++, a * 2), [a]);
        window.t.set = (next: number) => (setA(next), setA((v) => v + 1), setB('y'));
        renders.push(`parent ${a} ${b} ${doubled}`);
        return a < 20 ? h('p', null, h(Child, null)) : null;
      };
      render(h(Parent, null), main);
      (window.t.bump as (a: number) => void)(0);
      (window.t.set as (n: number) => void)(12);
      await new Promise((resolve) => setTimeout(resolve));
      const bump = window.t.bump as (a: number) => void;
      (window.t.set as (n: number) => void)(30);
      await new Promise((resolve) => setTimeout(resolve));
      bump(0);
      await new Promise((resolve) => setTimeout(resolve));
      return { renders, made, html: main.innerHTML };
    });
    expect(result.renders).toEqual(['parent 10 x 20', 'child 0', 'parent 13 y 26', 'child 1', 'parent 31 y 62']);
    expect(result.made).toBe(3);
    expect(result.html).toBe('');
  });
});
