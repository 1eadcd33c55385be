/** The agent's own account (password) and this browser's notification settings. */
import { useState } from 'react';
import { ChangePasswordDocument } from '../api';
import { useServices } from '../directory';
import { features } from '../features';
import { notificationsSupported, requestPermission, setPrefs, usePrefs } from '../notify';
import { session, useMe } from '../session';
import { Button, TextField, toast, useAction } from '../ui';

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
      <section className="panel">
        <h2>Account</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{me.name}</dd>
          <dt>Email</dt>
          <dd>{me.email}</dd>
          <dt>Role</dt>
          <dd>{me.role.toLowerCase()}</dd>
        </dl>
        {!features.profileEditing && <p className="hint">To change your name or email, ask an admin.</p>}
      </section>
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
