/** The agent's own account (password) and this browser's notification settings. */
import { useEffect, useState } from 'react';
import { ChangePasswordDocument, TestWebPushDocument, UpdateProfileDocument } from '../api';
import { useDirectory, useServices } from '../directory';
import { notificationsSupported, requestPermission, setPrefs, usePrefs } from '../notify';
import { pushState, turnOff, turnOn, type PushState } from '../push';
import { session, useMe } from '../session';
import { Avatar, Button, TextField, toast, useAction } from '../ui';

export function AccountSection() {
  const me = useMe();
  const { client } = useServices();
  const prefs = usePrefs();
  const [permission, setPermission] = useState(notificationsSupported() ? Notification.permission : 'denied');
  const change = useAction(async (f: FormData) => {
    const { changePassword } = await client.request(ChangePasswordDocument, {
      currentPassword: String(f.get('current')),
      newPassword: String(f.get('next')),
    });
    // Other sessions end; this one goes on with the tokens that came back.
    session.adopt(changePassword);
    toast('Password changed; your other devices are signed out');
  });
  return (
    <div className="stack-lg">
      <ProfileForm />
      <section className="panel">
        <h2>Notifications on this device</h2>
        <PushSwitch onPermission={() => setPermission(Notification.permission)} />
        <label className="check">
          <input type="checkbox" checked={prefs.sound} onChange={(e) => setPrefs({ sound: e.target.checked })} /> Play a sound for
          new chats and messages
        </label>
        <label className="check">
          <input type="checkbox" checked={prefs.desktop} onChange={(e) => setPrefs({ desktop: e.target.checked })} /> Show desktop
          notifications
        </label>
        {permission !== 'granted' && notificationsSupported() && (
          <Button onClick={async () => setPermission(await requestPermission())} icon="bell">
            Allow notifications in this browser
          </Button>
        )}
        {permission === 'denied' && <p className="hint">Notifications are blocked for this site in the browser settings.</p>}
      </section>
      <section className="panel">
        <h2>Change password</h2>
        <form
          className="stack narrow"
          onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget;
            void change.run(new FormData(form)).then((ok) => ok && form.reset());
          }}
        >
          <input type="text" name="username" autoComplete="username" value={me.email} readOnly hidden />
          <TextField label="Current password" name="current" type="password" required autoComplete="current-password" />
          <TextField
            label="New password"
            name="next"
            type="password"
            required
            minLength={8}
            maxLength={128}
            autoComplete="new-password"
          />
          {change.error && (
            <p className="form-error" role="alert">
              {change.error}
            </p>
          )}
          <Button type="submit" variant="primary" busy={change.busy}>
            Change password
          </Button>
        </form>
      </section>
    </div>
  );
}

/** Name, email (with the current password) and avatar of the signed-in agent. */
function ProfileForm() {
  const me = useMe();
  const { client, directory } = useServices();
  const current = useDirectory().agents.find((a) => a.id === me.id);
  const [email, setEmail] = useState(me.email);
  const [avatarUrl, setAvatarUrl] = useState<string | null>(null);
  const avatar = avatarUrl ?? current?.avatarUrl ?? '';
  const save = useAction(async (f: FormData) => {
    const input: { name?: string; email?: string; avatarUrl?: string; currentPassword?: string } = {
      name: String(f.get('name')),
      avatarUrl: avatar.trim(),
    };
    if (email.trim() !== me.email) {
      input.email = email.trim();
      input.currentPassword = String(f.get('password') ?? '');
    }
    const { updateProfile } = await client.request(UpdateProfileDocument, { input });
    const { avatarUrl: _, ...agent } = updateProfile;
    session.setMe(agent);
    await directory.reload();
    // A new email changes once its owner confirms it through the link mailed to it.
    if (input.email && input.email.toLowerCase() !== agent.email) {
      setEmail(agent.email);
      toast(`Profile saved. To change your email, open the link we sent to ${input.email}.`);
    } else {
      toast('Profile saved');
    }
  });
  return (
    <section className="panel">
      <h2>Your profile</h2>
      <form
        className="stack narrow"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(new FormData(e.currentTarget));
        }}
      >
        <div className="who">
          <Avatar name={me.name} id={me.id} src={avatar || null} />
          <span className="muted">{me.role.toLowerCase()}</span>
        </div>
        <TextField label="Name" name="name" defaultValue={me.name} required autoComplete="name" />
        <TextField
          label="Email"
          name="email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          required
          autoComplete="email"
        />
        {email.trim() !== me.email && (
          <TextField
            label="Current password"
            name="password"
            type="password"
            required
            autoComplete="current-password"
            hint="Needed to change your email. The new address gets a link to confirm it."
          />
        )}
        <TextField
          label="Avatar image URL"
          name="avatar"
          type="url"
          value={avatar}
          onChange={(e) => setAvatarUrl(e.target.value)}
          placeholder="https://…"
          hint="An http(s) image; leave empty for your initials."
        />
        {save.error && (
          <p className="form-error" role="alert">
            {save.error}
          </p>
        )}
        <Button type="submit" variant="primary" busy={save.busy}>
          Save profile
        </Button>
      </form>
    </section>
  );
}

const PUSH_STATES: Record<PushState, string> = {
  on: 'On: chats offered or assigned to you are notified here, even with the dashboard closed.',
  off: 'Off. Turn it on to be notified of chats offered or assigned to you with the dashboard closed, on your phone too.',
  blocked: "Blocked by the browser: allow notifications for this site in the browser's site settings, then turn this on.",
  unsupported: import.meta.env.DEV
    ? 'Not in the development server: push needs the service worker of the built dashboard.'
    : 'This browser cannot receive push notifications.',
  install:
    'On iPhone and iPad, add Chinwag to your Home Screen first (Share › Add to Home Screen), open it from there and turn this on.',
};

/** Web Push on this device (src/push.ts): the switch, where it stands, and a test. */
function PushSwitch({ onPermission }: { onPermission(): void }) {
  const { client } = useServices();
  const [state, setState] = useState<PushState | null>(null);
  useEffect(() => {
    let live = true;
    void pushState().then((s) => live && setState(s));
    return () => void (live = false);
  }, []);
  const toggle = useAction(async () => {
    try {
      setState(await (state === 'on' ? turnOff(client) : turnOn(client)));
    } finally {
      onPermission();
    }
  });
  const test = useAction(async () => {
    const { testWebPush: n } = await client.request(TestWebPushDocument);
    toast(n ? `Sent to ${n} ${n === 1 ? 'device' : 'devices'}` : 'No device has push notifications on');
  });
  const usable = state === 'on' || state === 'off' || state === 'blocked';
  return (
    <div className="push">
      <div className="push-row">
        <span className="push-text">
          <strong id="push-label">Push notifications</strong>
          <span className="hint" id="push-state" role="status">
            {state ? PUSH_STATES[state] : 'Checking…'}
          </span>
        </span>
        <button
          type="button"
          className="switch"
          role="switch"
          aria-checked={state === 'on'}
          aria-labelledby="push-label"
          aria-describedby="push-state"
          disabled={!usable || toggle.busy}
          aria-busy={toggle.busy || undefined}
          onClick={() => void toggle.run()}
        />
      </div>
      {toggle.error && (
        <p className="form-error" role="alert">
          {toggle.error}
        </p>
      )}
      {state === 'on' && (
        <Button size="sm" icon="bell" busy={test.busy} onClick={() => void test.run()}>
          Send a test
        </Button>
      )}
      {test.error && (
        <p className="form-error" role="alert">
          {test.error}
        </p>
      )}
    </div>
  );
}
