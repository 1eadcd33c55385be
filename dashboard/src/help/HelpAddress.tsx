/**
 * Where a website's help center is (docs/dashboard.md, "Help center address"; the server's
 * side is docs/assistant.md, "Its own host name"), at `help-center/address?website=…`, for
 * owners and admins: its address now, and a host name of its own (`help.example.com`) that
 * the server then serves it at the root of. A name the server refuses (not a host name, or
 * another website's) is said under the field and changes nothing; an empty name removes it.
 */
import { useEffect, useState } from 'react';
import { HelpCenterAddressDocument, SetHelpCenterDomainDocument, type HelpWebsite } from '../articles';
import { useServices } from '../directory';
import { useLocation } from '../router';
import { isAdmin, useMe } from '../session';
import { Button, ErrorState, Icon, Loading, TextField, errorMessage, toast, useAction, useLoad } from '../ui';
import { AdminsOnly, SettingsHead } from './SettingsHead';
import { helpCenterUrl } from './shared';

export function HelpAddress({ websites }: { websites: HelpWebsite[] }) {
  const me = useMe();
  const { query } = useLocation();
  const website = websites.find((w) => w.id === query.get('website')) ?? websites[0]!;
  if (!isAdmin(me)) return <AdminsOnly title="Help center address" what="set where the help center is" />;
  return (
    <>
      <SettingsHead title="Help center address" path="help-center/address" websites={websites} website={website}>
        Where visitors find {website.name}’s help center: here, or at the root of a host name of your own.
      </SettingsHead>
      <AddressForm key={website.id} website={website} />
    </>
  );
}

function AddressForm({ website }: { website: HelpWebsite }) {
  const { client } = useServices();
  const saved = useLoad(
    async () => (await client.request(HelpCenterAddressDocument, { id: website.id })).website,
    [client, website.id],
  );
  const [name, setName] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => {
    if (saved.data) setName(saved.data.helpCenterDomain ?? '');
  }, [saved.data]);
  const save = useAction(async (domain: string | null) => {
    setRefusal(null);
    try {
      const { setHelpCenterDomain } = await client.request(SetHelpCenterDomainDocument, { websiteId: website.id, domain });
      saved.set(setHelpCenterDomain);
      toast(
        setHelpCenterDomain.helpCenterDomain
          ? `The help center is now at ${setHelpCenterDomain.helpCenterUrl}`
          : 'The help center’s own host name is removed',
      );
    } catch (e) {
      // The server's reason is about the name: said under the field. Anything else is the form's.
      if ((e as { code?: string }).code !== 'BAD_USER_INPUT') throw e;
      setRefusal(errorMessage(e).replace(/\.?$/, '.'));
    }
  });

  if (saved.error) return <ErrorState error={saved.error} retry={saved.reload} />;
  if (!saved.data) return <Loading />;
  const current = saved.data;
  const typed = name.trim();
  const dirty = typed !== (current.helpCenterDomain ?? '');
  const fallback = helpCenterUrl(website.publicKey);

  return (
    <form
      className="panel address-form"
      aria-label="Help center address"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run(typed || null);
      }}
    >
      <p className="address-now">
        <span className="muted">Now at</span>{' '}
        <a href={current.helpCenterUrl} target="_blank" rel="noopener">
          {current.helpCenterUrl}
          <Icon name="external" size={14} />
        </a>
      </p>
      <TextField
        label="Own host name"
        name="domain"
        value={name}
        placeholder="help.example.com"
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        onChange={(e) => {
          setName(e.target.value);
          setRefusal(null);
        }}
        error={refusal}
        hint={`Point the name’s DNS at this server, then save. ${
          current.helpCenterDomain ? `The help center stays at ${fallback} too.` : `Without one it is at ${fallback}.`
        }`}
      />
      {save.error && (
        <p className="form-error" role="alert">
          {save.error}
        </p>
      )}
      <div className="row-actions">
        <Button type="submit" variant="primary" busy={save.busy} disabled={!dirty}>
          Save
        </Button>
        {current.helpCenterDomain && (
          <Button variant="ghost" disabled={save.busy} onClick={() => void save.run(null)}>
            Remove the host name
          </Button>
        )}
      </div>
    </form>
  );
}
