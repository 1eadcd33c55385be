<?php

/**
 * Connecting this site to Chinwag through the public API, with the owner's session:
 * sign in (logIn) or create an account (signUp); pick the website serving this site's
 * origin (or the one with the given name) or create it with the origin allowed; read its
 * identity secret once; create an API key limited to that website with the scopes the
 * plugin needs; end the session (logOut). What is kept: the server, the website key and
 * id, the identity secret and the API key. The password and the session's tokens live
 * only in this request's memory.
 *
 * Also the manual path: a website key pasted by the owner (with, optionally, the
 * identity secret and an API key they made in the dashboard).
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Connect
{
    /**
     * What the plugin's key may do (docs/privacy.md, "Keys for plugins"): read and update
     * its website (the "Powered by" switch, the identity secret on a connection check),
     * set customers' attributes, export and erase a person's data.
     */
    public const SCOPES = ['WEBSITES_MANAGE', 'VISITORS_WRITE', 'VISITORS_EXPORT', 'VISITORS_ERASE'];

    private const WEBSITE_FIELDS = 'id name publicKey allowedOrigins';

    /** This site's origin, as the widget's requests carry it: `https://shop.example`. */
    public static function site_origin(): string
    {
        $home = wp_parse_url(home_url());
        $port = isset($home['port']) ? ':' . (int) $home['port'] : '';
        return strtolower(($home['scheme'] ?? 'https') . '://' . ($home['host'] ?? '') . $port);
    }

    /**
     * Connects with an account. `$account`: email, password, and for a new account
     * (`$create`) organization and name. Returns the website's name. Throws Api_Error.
     */
    public static function with_account(string $server, bool $create, array $account, string $website_name): string
    {
        $anonymous = new Api($server);
        if ($create) {
            $auth = $anonymous->request(
                'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken agent { email } } }',
                ['i' => [
                    'organizationName' => $account['organization'],
                    'name' => $account['name'],
                    'email' => $account['email'],
                    'password' => $account['password'],
                ]]
            )['signUp'];
        } else {
            $auth = $anonymous->request(
                'mutation($i: LogInInput!) { logIn(input: $i) { accessToken refreshToken agent { email } } }',
                ['i' => ['email' => $account['email'], 'password' => $account['password']]]
            )['logIn'];
        }
        $owner = new Api($server, $auth['accessToken']);
        try {
            self::keep(self::set_up_website($owner, $website_name), $server, 'account', $auth['agent']['email']);
        } finally {
            // Sign the session out whatever happened: nothing of it outlives this request.
            try {
                $anonymous->request('mutation($t: String!) { logOut(refreshToken: $t) }', ['t' => $auth['refreshToken']]);
            } catch (Api_Error) {
                // An unfinished sign-out leaves a session that ends by itself.
            }
        }
        return Options::settings()['website_name'];
    }

    /**
     * The website serving this site: the one whose allowed origins name this site's origin,
     * else the one called `$name`, else a new one called `$name` with the origin allowed.
     * Its settings are brought in line (the origin allowed, "Powered by" as the plugin's
     * switch says); then a key limited to it is made. Returns what `keep` stores.
     */
    private static function set_up_website(Api $owner, string $name): array
    {
        $origin = self::site_origin();
        $websites = $owner->request('query { websites { ' . self::WEBSITE_FIELDS . ' } }')['websites'];
        $found = null;
        foreach ($websites as $website) {
            if (in_array($origin, array_map('strtolower', $website['allowedOrigins']), true)) {
                $found = $website;
                break;
            }
        }
        foreach ($found ? [] : $websites as $website) {
            if (0 === strcasecmp(trim($website['name']), trim($name))) {
                $found = $website;
                break;
            }
        }
        $found ??= $owner->request(
            'mutation($i: CreateWebsiteInput!) { createWebsite(input: $i) { ' . self::WEBSITE_FIELDS . ' } }',
            ['i' => ['name' => $name, 'allowedOrigins' => [$origin]]]
        )['createWebsite'];

        $patch = ['poweredBy' => (bool) Options::settings()['powered_by']];
        if ($found['allowedOrigins'] && !in_array($origin, $found['allowedOrigins'], true)) {
            $patch['allowedOrigins'] = array_merge($found['allowedOrigins'], [$origin]);
        }
        // Only owners and admins see the identity secret: an agent's session gets null here.
        $website = $owner->request(
            'mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { '
                . self::WEBSITE_FIELDS . ' identitySecret } }',
            ['id' => $found['id'], 'i' => $patch]
        )['updateWebsite'];
        if (empty($website['identitySecret'])) {
            throw new Api_Error('FORBIDDEN', __('Only owners and admins can connect a site.', 'chinwag-live-chat'));
        }
        $key = $owner->request(
            'mutation($n: String!, $s: [ApiKeyScope!], $w: [ID!]) {
                createApiKey(name: $n, scopes: $s, websiteIds: $w) { apiKey { id } secret } }',
            ['n' => 'WordPress: ' . wp_parse_url(home_url(), PHP_URL_HOST), 's' => self::SCOPES, 'w' => [$website['id']]]
        )['createApiKey'];

        // A reconnection replaces the site's previous key: revoke it, now that a new one works.
        $previous = Options::secrets()['api_key_id'];
        if ('' !== $previous && $previous !== $key['apiKey']['id']) {
            try {
                $owner->request('mutation($id: ID!) { revokeApiKey(id: $id) }', ['id' => $previous]);
            } catch (Api_Error) {
                // Another organization's key, or gone already: nothing to revoke.
            }
        }
        return [
            'website' => $website,
            'secrets' => [
                'identity_secret' => $website['identitySecret'],
                'api_key' => $key['secret'],
                'api_key_id' => $key['apiKey']['id'],
            ],
        ];
    }

    /**
     * The manual path: a website key the owner pasted, checked against the server's public
     * widgetConfig; the identity secret and an API key are optional (without the secret,
     * logged-in users are passed as unverified contact details; without the key, privacy
     * requests do not reach Chinwag). Returns the website's name. Throws Api_Error.
     */
    public static function with_key(string $server, string $website_key, string $secret, string $api_key): string
    {
        $config = (new Api($server))->request(
            'query($k: String!) { widgetConfig(websiteKey: $k) { websiteName } }',
            ['k' => $website_key]
        )['widgetConfig'];
        $website = ['id' => '', 'name' => $config['websiteName'], 'publicKey' => $website_key];
        if ('' !== $api_key) {
            // The key must reach this very website: find it among the key's websites.
            $websites = (new Api($server, $api_key))->request('query { websites { id name publicKey } }')['websites'];
            foreach ($websites as $candidate) {
                if ($candidate['publicKey'] === $website_key) {
                    $website = $candidate;
                }
            }
            if ('' === $website['id']) {
                throw new Api_Error('NOT_FOUND', __('This API key cannot reach the website of this key.', 'chinwag-live-chat'));
            }
        }
        self::keep(
            ['website' => $website, 'secrets' => ['identity_secret' => $secret, 'api_key' => $api_key, 'api_key_id' => '']],
            $server,
            'manual',
            ''
        );
        return $website['name'];
    }

    /** Stores a connection: the website in the settings, the secrets apart. */
    private static function keep(array $connection, string $server, string $how, string $by): void
    {
        Options::update_secrets($connection['secrets']);
        Options::update_settings([
            'server_url' => $server,
            'website_key' => $connection['website']['publicKey'],
            'website_id' => $connection['website']['id'],
            'website_name' => $connection['website']['name'],
            'connection' => $how,
            'connected_by' => $by,
            'connected_at' => time(),
        ]);
        delete_option(Options::STATUS);
    }

    /**
     * The connection check of the status panel: the website key works (public config),
     * and the API key still reaches the website (re-reading the identity secret, so a
     * secret rotated in the dashboard is picked up). Returns a sentence; throws Api_Error.
     */
    public static function check(): string
    {
        $settings = Options::settings();
        $secrets = Options::secrets();
        $config = (new Api($settings['server_url']))->request(
            'query($k: String!) { widgetConfig(websiteKey: $k) { websiteName poweredBy } }',
            ['k' => $settings['website_key']]
        )['widgetConfig'];
        if ('' === $secrets['api_key'] || '' === $settings['website_id']) {
            return sprintf(
                /* translators: %s: the website's name in Chinwag. */
                __('The widget of "%s" is reachable. No API key: privacy requests do not reach Chinwag.', 'chinwag-live-chat'),
                $config['websiteName']
            );
        }
        $website = (new Api($settings['server_url'], $secrets['api_key']))->request(
            'query($id: ID!) { website(id: $id) { name poweredBy identitySecret } }',
            ['id' => $settings['website_id']]
        )['website'];
        if (!empty($website['identitySecret']) && $website['identitySecret'] !== $secrets['identity_secret']) {
            Options::update_secrets(['identity_secret' => $website['identitySecret']]);
        }
        Options::update_settings(['website_name' => $website['name']]);
        /* translators: %s: the website's name in Chinwag. */
        return sprintf(__('Connected to "%s": the widget and the API key work.', 'chinwag-live-chat'), $website['name']);
    }
}
