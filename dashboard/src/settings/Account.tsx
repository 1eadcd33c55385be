/** The agent's own account (password) and this browser's notification settings. */
import { useState } from 'react';
import { ChangePasswordDocument, UpdateProfileDocument } from '../api';
import { useDirectory, useServices } from '../directory';
import { notificationsSupported, requestPermission, setPrefs, usePrefs } from '../notify';
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
