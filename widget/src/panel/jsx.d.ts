/**
 * The JSX types for the type checker: elements take their DOM interface's properties
 * (as attributes: see `dom.ts`), `class`, `for`, `aria-*` and `data-*`, a `ref`, and
 * handlers for the events below, whose `currentTarget` is the element. (The build writes
 * JSX as `h` calls itself; `jsx: preserve` in the tsconfig makes the checker read these.)
 */
import type { Child, ComponentType, Key, Ref, VNode } from './dom.js';

type Handler<E extends Event, T> = (event: E & { currentTarget: T }) => void;

/** The events a prop can listen to: `on` and the event's name (`onFocusOut`: `focusout`). */
interface Events<T> {
  onBlur?: Handler<FocusEvent, T>;
  onChange?: Handler<Event, T>;
  onClick?: Handler<MouseEvent, T>;
  onDragOver?: Handler<DragEvent, T>;
  onDrop?: Handler<DragEvent, T>;
  onFocus?: Handler<FocusEvent, T>;
  onFocusIn?: Handler<FocusEvent, T>;
  onFocusOut?: Handler<FocusEvent, T>;
  onInput?: Handler<InputEvent, T>;
  onKeyDown?: Handler<KeyboardEvent, T>;
  onKeyUp?: Handler<KeyboardEvent, T>;
  onPaste?: Handler<ClipboardEvent, T>;
  onSubmit?: Handler<SubmitEvent, T>;
}

type Aria = { [name: `aria-${string}` | `data-${string}`]: string | number | boolean | undefined };

interface Common<T> extends Events<T> {
  key?: Key | undefined;
  class?: string;
  ref?: Ref<T>;
  children?: Child;
}

/** An HTML element's props: its DOM properties (but `style` and `children`), and the above. */
type HTMLProps<T extends HTMLElement> = Partial<Omit<T, 'style' | 'children' | keyof Events<T>>> &
  Common<T> &
  Aria & { for?: string };

interface SVGProps extends Common<SVGElement> {
  viewBox?: string;
  d?: string;
  focusable?: string;
}

declare global {
  namespace JSX {
    type Element = VNode;
    type ElementType = string | ComponentType;
    interface ElementChildrenAttribute {
      children: unknown;
    }
    interface IntrinsicAttributes {
      key?: Key | undefined;
    }
    type IntrinsicElements = { [K in keyof HTMLElementTagNameMap]: HTMLProps<HTMLElementTagNameMap[K]> } & {
      svg: SVGProps & Aria;
      path: SVGProps & Aria;
    };
  }
}
