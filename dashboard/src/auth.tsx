/**
 * Signing in, signing up (a new organization), a forgotten password (the emailed reset
 * link) and joining a team by invite link (emailed, or passed on by an admin).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { RequestPasswordResetDocument } from './api';
import { Link, navigate, useLocation } from './router';
import { session } from './session';
import { Button, TextField, errorMessage, toast } from './ui';

function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand">
          <img src={`${import.meta.env.BASE_URL}icon.svg`} alt="" width="36" height="36" />
          <span>Chinwag</span>
        </div>
        <h1>{title}</h1>
        {children}
        {footer && <div className="auth-foot">{footer}</div>}
      </div>
    </main>
  );
}

/** A form's submit with a busy flag and an error to show; `explain` words an error code for this form. */
function useSubmit(action: (form: FormData) => Promise<void>, explain: Record<string, ReactNode> = {}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ReactNode>(null);
  return {
    busy,
    error,
    async onSubmit(e: FormEvent<HTMLFormElement>) {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await action(new FormData(e.currentTarget));
      } catch (err) {
        setError(explain[(err as { code?: string }).code ?? ''] ?? errorMessage(err));
      } finally {
        setBusy(false);
      }
    },
  };
}

function FormError({ error }: { error: ReactNode }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

const NEW_PASSWORD = {
  type: 'password',
  required: true,
  minLength: 8,
  maxLength: 128,
  autoComplete: 'new-password',
  hint: 'At least 8 characters.',
} as const;

const str = (f: FormData, k: string) => String(f.get(k) ?? '');

export function LogInPage({ reason }: { reason: string | null }) {
  const [email, setEmail] = useState('');
  const { busy, error, onSubmit } = useSubmit(
    async (f) => {
      // Stays on the page asked for (a deep link); the sign-in page itself leads to the inbox.
      await session.logIn(str(f, 'email'), str(f, 'password'));
    },
    { UNAUTHENTICATED: 'That email and password do not match.' },
  );
  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          New to Chinwag? <Link to="signup">Create an account</Link>
        </>
      }
    >
      {reason && (
        <p className="notice" role="alert">
          {reason}
        </p>
      )}
      <form onSubmit={onSubmit} className="stack">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required minLength={8} />
        <FormError error={error} />
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
        <p className="auth-aside">
          <Link to={`forgot-password${email.includes('@') ? `?email=${encodeURIComponent(email)}` : ''}`}>Forgot password?</Link>
        </p>
      </form>
    </AuthCard>
  );
}

/** Asks for the reset email. The answer never says whether the email has an account. */
export function ForgotPasswordPage() {
  const initial = useLocation().query.get('email') ?? '';
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    const email = str(f, 'email').trim();
    await session.client().request(RequestPasswordResetDocument, { email });
    setSentTo(email);
  });
  if (sentTo)
    return (
      <AuthCard
        title="Check your email"
        footer={
          <>
            Remembered it? <Link to="login">Sign in</Link>
          </>
        }
      >
        <p role="status">
          If <strong>{sentTo}</strong> has a Chinwag account, we have sent it a link to choose a new password. The link works
          once, within an hour.
        </p>
        <p className="muted">
          Nothing arrived? Look in the spam folder, check the address, or{' '}
          <button type="button" className="link-btn" onClick={() => setSentTo(null)}>
            send it again
          </button>
          .
        </p>
      </AuthCard>
    );
  return (
    <AuthCard
      title="Reset your password"
      footer={
        <>
          Remembered it? <Link to="login">Sign in</Link>
        </>
      }
    >
      <p className="muted">Enter the email you sign in with, and we will send you a link to choose a new password.</p>
      <form onSubmit={onSubmit} className="stack">
        <TextField label="Email" name="email" type="email" autoComplete="username" required autoFocus defaultValue={initial} />
        <FormError error={error} />
        <Button type="submit" variant="primary" busy={busy}>
          Send the link
        </Button>
      </form>
    </AuthCard>
  );
}

/** The emailed reset link: a new password, then signed in (other sessions end). */
export function ResetPasswordPage() {
  const token = useLocation().query.get('token') ?? '';
  const { busy, error, onSubmit } = useSubmit(
    async (f) => {
      await session.resetPassword(token, str(f, 'password'));
      toast('Password changed. Your other devices are signed out.');
      navigate('inbox/unassigned', { replace: true });
    },
    {
      NOT_FOUND: (
        <>
          This link has expired or was already used. <Link to="forgot-password">Ask for a new one</Link>.
        </>
      ),
    },
  );
  if (!token)
    return (
      <AuthCard title="This reset link is incomplete">
        <p>
          Open the link from the email again, or <Link to="forgot-password">ask for a new one</Link>.
        </p>
      </AuthCard>
    );
  return (
    <AuthCard title="Choose a new password">
      <p className="muted">After this, you are signed in here and signed out on your other devices.</p>
      <form onSubmit={onSubmit} className="stack">
        <TextField label="New password" name="password" autoFocus {...NEW_PASSWORD} />
        <FormError error={error} />
        <Button type="submit" variant="primary" busy={busy}>
          Set password and sign in
        </Button>
      </form>
    </AuthCard>
  );
}

export function SignUpPage() {
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    await session.signUp({
      organizationName: str(f, 'organization'),
      name: str(f, 'name'),
      email: str(f, 'email'),
      password: str(f, 'password'),
    });
    navigate('setup', { replace: true });
  });
  return (
    <AuthCard
      title="Create your account"
      footer={
        <>
          Already have an account? <Link to="login">Sign in</Link>
        </>
      }
    >
      <form onSubmit={onSubmit} className="stack">
        <TextField label="Company or team" name="organization" required autoComplete="organization" autoFocus />
        <TextField label="Your name" name="name" required autoComplete="name" />
        <TextField label="Work email" name="email" type="email" required autoComplete="email" />
        <TextField label="Password" name="password" {...NEW_PASSWORD} />
        <FormError error={error} />
        <Button type="submit" variant="primary" busy={busy}>
          Create account
        </Button>
      </form>
    </AuthCard>
  );
}

/** An invite link (emailed to the invitee, or passed on by an admin): name and password, then signed in. */
export function AcceptInvitePage() {
  const token = useLocation().query.get('token') ?? '';
  const { busy, error, onSubmit } = useSubmit(
    async (f) => {
      await session.acceptInvite({ token, name: str(f, 'name'), password: str(f, 'password') });
      navigate('inbox/unassigned', { replace: true });
    },
    { NOT_FOUND: 'This invite has expired or was already used. Ask the person who invited you for a new one.' },
  );
  if (!token)
    return (
      <AuthCard title="This invite link is incomplete">
        <p>Open the link from the email again, or ask the person who invited you for the full link.</p>
      </AuthCard>
    );
  return (
    <AuthCard title="Join your team">
      <p className="muted">You were invited to answer chats on Chinwag. Choose your name and a password.</p>
      <form onSubmit={onSubmit} className="stack">
        <TextField label="Your name" name="name" required autoComplete="name" autoFocus />
        <TextField label="Password" name="password" {...NEW_PASSWORD} />
        <FormError error={error} />
        <Button type="submit" variant="primary" busy={busy}>
          Join
        </Button>
      </form>
    </AuthCard>
  );
}
