/**
 * The dashboard's component library: small, accessible building blocks on native
 * elements (`<button>`, `<dialog>`, `<select>`, labelled inputs), styled by
 * `styles.css` through design tokens. Native elements carry keyboard handling, focus
 * trapping (modal `<dialog>`) and screen-reader semantics for free, and cost no bytes;
 * a primitives library (Radix) was weighed and left out for the bundle budget.
 */
import {
  useEffect,
  useId,
  useRef,
  useState,
  useSyncExternalStore,
  type ButtonHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { Icon, type IconName } from './icons';

export { Icon, type IconName };
export { Toolbar, type ToolbarAction } from './Toolbar';

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: 'primary' | 'secondary' | 'ghost' | 'danger';
  size?: 'sm' | 'md';
  busy?: boolean;
  icon?: IconName;
};

export function Button({
  variant = 'secondary',
  size = 'md',
  busy,
  icon,
  children,
  className = '',
  disabled,
  ...rest
}: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      className={`btn btn-${variant} btn-${size} ${className}`}
    >
      {busy ? <Spinner small /> : icon ? <Icon name={icon} size={16} /> : null}
      {children}
    </button>
  );
}

/** A button with only an icon: its `label` is what assistive technology reads and the tooltip. */
export function IconButton({
  icon,
  label,
  className = '',
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { icon: IconName; label: string }) {
  return (
    <button type="button" {...rest} className={`icon-btn ${className}`} aria-label={label} title={label}>
      <Icon name={icon} />
    </button>
  );
}

/** A label, the control, a hint and an error, wired together by ids. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function TextField({
  label,
  hint,
  error,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string | null }) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(p) => <input className="input" {...input} {...p} />}
    </Field>
  );
}

export function TextArea({
  label,
  hint,
  error,
  ...input
}: TextareaHTMLAttributes<HTMLTextAreaElement> & {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  /** React 19 passes it as a prop: it reaches the textarea with the rest. */
  ref?: Ref<HTMLTextAreaElement>;
}) {
  return (
    <Field label={label} hint={hint} error={error}>
      {(p) => <textarea className="input" {...input} {...p} />}
    </Field>
  );
}

export function SelectField({
  label,
  hint,
  children,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; hint?: ReactNode }) {
  return (
    <Field label={label} hint={hint}>
      {(p) => (
        <select className="input" {...select} {...p}>
          {children}
        </select>
      )}
    </Field>
  );
}

export function Spinner({ small, label = 'Loading' }: { small?: boolean; label?: string }) {
  return <span className={`spinner${small ? ' spinner-sm' : ''}`} role="status" aria-label={label} />;
}

/** A full-area loading state. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state" aria-live="polite">
      <Spinner label={label} />
      <p>{label}</p>
    </div>
  );
}

export function EmptyState({ icon = 'inbox', title, children }: { icon?: IconName; title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <span className="state-icon">
        <Icon name={icon} size={28} />
      </span>
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state" role="alert">
      <h3>Something went wrong</h3>
      <p>{errorMessage(error)}</p>
      {retry && <Button onClick={retry}>Try again</Button>}
    </div>
  );
}

/** A human sentence for any failure (a `ChinwagError` carries the server's message). */
export function errorMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === 'NETWORK_ERROR') return 'Cannot reach the server. Check your connection and try again.';
  if (e?.code === 'FORBIDDEN') return 'You are not allowed to do that.';
  const text = e?.message || String(error);
  // The server words validation errors as sentences without the capital.
  return e?.code === 'BAD_USER_INPUT' ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function Badge({
  children,
  tone = 'neutral',
  label,
}: {
  children: ReactNode;
  tone?: 'neutral' | 'accent' | 'warn' | 'ok';
  label?: string;
}) {
  return (
    <span className={`badge badge-${tone}`} aria-label={label}>
      {children}
    </span>
  );
}

const hue = (s: string) => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);

export function Avatar({ name, id, online, src }: { name: string; id: string; online?: boolean; src?: string | null }) {
  const initials = name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <span className="avatar" style={{ background: `hsl(${hue(id)} 50% 30%)` }} aria-hidden="true">
      {src ? <img src={src} alt="" referrerPolicy="no-referrer" /> : initials || '?'}
      {online !== undefined && <span className={`presence ${online ? 'on' : 'off'}`} />}
    </span>
  );
}

/**
 * A modal dialog on the native `<dialog>`: focus moves in and is trapped, Escape
 * closes, focus returns to the opener.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
}: {
  open: boolean;
  title: string;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(e) => e.target === ref.current && onClose()}
    >
      {open && (
        <div className="dialog-body">
          <header className="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <IconButton icon="close" label="Close" onClick={onClose} />
          </header>
          <div className="dialog-content">{children}</div>
          {footer && <footer className="dialog-foot">{footer}</footer>}
        </div>
      )}
    </dialog>
  );
}

/** Copies `text` and says so; the text stays selectable for browsers without clipboard access. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      size="sm"
      icon={copied ? 'check' : 'copy'}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 2_000);
        } catch {
          toast('Copying is not allowed here: select the text and copy it.');
        }
      }}
    >
      {copied ? 'Copied' : label}
    </Button>
  );
}

/** A snippet of code with a copy button. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div className="code-block">
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} />
    </div>
  );
}

/** A segmented control (radio semantics): views and filters. */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  options: { value: T; label: string; count?: number }[];
  onChange(value: T): void;
}) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={o.value === value}
          className={o.value === value ? 'on' : ''}
          onClick={() => onChange(o.value)}
        >
          {o.label}
          {o.count ? <span className="count">{o.count}</span> : null}
        </button>
      ))}
    </div>
  );
}

// Toasts: one live region, announced politely.
type Toast = { id: number; text: string; tone: 'info' | 'error' };
let toasts: Toast[] = [];
let toastId = 0;
const toastListeners = new Set<() => void>();
export function toast(text: string, tone: Toast['tone'] = 'info') {
  const id = ++toastId;
  toasts = [...toasts.slice(-2), { id, text, tone }];
  toastListeners.forEach((l) => l());
  setTimeout(() => {
    toasts = toasts.filter((t) => t.id !== id);
    toastListeners.forEach((l) => l());
  }, 3_000);
}

export function Toasts() {
  const list = useSyncExternalStore(
    (l) => (toastListeners.add(l), () => void toastListeners.delete(l)),
    () => toasts,
  );
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

/** Runs an async action with a busy flag and an error to show. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await action(...args);
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

/** Loads data once (and again on `reload`), with loading and error states. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // The caller's `deps` say when `load` (a new closure each render) runs again, as with
    // useEffect's own; `tick` is `reload`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return {
    ...state,
    reload: () => setTick((t) => t + 1),
    set: (data: T) => setState({ data, loading: false }),
    /** Changes what is loaded from its latest value (what an update arriving late needs). */
    update: (change: (data: T | undefined) => T) => setState((s) => ({ data: change(s.data), loading: false })),
  };
}
