/** Signing in, signing up (a new organization) and joining a team by invite link. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { features } from './features';
import { Link, navigate, useLocation } from './router';
import { session } from './session';
import { Button, TextField, errorMessage } from './ui';

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

function useSubmit(action: (form: FormData) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
        setError(
          (err as { code?: string }).code === 'UNAUTHENTICATED' ? 'That email and password do not match.' : errorMessage(err),
        );
        setBusy(false);
      }
    },
  };
}

const str = (f: FormData, k: string) => String(f.get(k) ?? '');

export function LogInPage({ reason }: { reason: string | null }) {
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    // Stays on the page asked for (a deep link); the sign-in page itself leads to the inbox.
    await session.logIn(str(f, 'email'), str(f, 'password'));
  });
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
        <TextField label="Email" name="email" type="email" autoComplete="username" required autoFocus />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required minLength={8} />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
        {!features.forgottenPassword && (
          <p className="hint">Forgot your password? Ask an owner or admin of your team for help.</p>
        )}
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
        <TextField
          label="Password"
          name="password"
          type="password"
          required
          minLength={8}
          maxLength={128}
          autoComplete="new-password"
          hint="At least 8 characters."
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" busy={busy}>
          Create account
        </Button>
      </form>
    </AuthCard>
  );
}

export function AcceptInvitePage() {
  const token = useLocation().query.get('token') ?? '';
  const { busy, error, onSubmit } = useSubmit(async (f) => {
    await session.acceptInvite({ token, name: str(f, 'name'), password: str(f, 'password') });
    navigate('inbox/unassigned', { replace: true });
  });
  if (!token)
    return (
      <AuthCard title="This invite link is incomplete">
        <p>Ask the person who invited you for the full link.</p>
      </AuthCard>
    );
  return (
    <AuthCard title="Join your team">
      <p className="muted">You were invited to answer chats on Chinwag. Choose your name and a password.</p>
      <form onSubmit={onSubmit} className="stack">
        <TextField label="Your name" name="name" required autoComplete="name" autoFocus />
        <TextField
          label="Password"
          name="password"
          type="password"
          required
          minLength={8}
          maxLength={128}
          autoComplete="new-password"
          hint="At least 8 characters."
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" busy={busy}>
          Join
        </Button>
      </form>
    </AuthCard>
  );
}
