<?php

/**
 * Logged-in users in the chat. Each public page tells the widget who the user is, with
 * hashes the server computes from the identity secret (which never leaves it):
 * `userHash = HMAC-SHA256(secret, user id)` and `emailHash = HMAC-SHA256(secret,
 * "email:" . email)`, so agents see a verified customer with a vouched-for email
 * (docs/widget.md, "Identity verification"). Chosen profile fields go to Chinwag from
 * the server as visitor attributes (setVisitorAttributes) when the user signs in or their
 * profile changes. Signing out of WordPress signs the visitor out of the chat: the next
 * public page calls `identify(null)`, which forgets the stored chat session.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Identity
{
    /** Set at sign-out, read and removed by the next public page. */
    public const SIGNED_OUT_COOKIE = 'chinwag_signed_out';

    /** Profile fields an owner may share with agents, by attribute key. */
    public const PROFILE_FIELDS = ['role', 'registered', 'first_name', 'last_name', 'nickname', 'website', 'locale'];

    /** Sign-in and profile changes wait at most this long for Chinwag. */
    private const SYNC_TIMEOUT = 5;

    private static bool $forget = false;

    public static function register(): void
    {
        add_action('wp_logout', [self::class, 'signed_out']);
        add_action('template_redirect', [self::class, 'after_sign_out']);
        add_action('wp_login', [self::class, 'signed_in'], 10, 2);
        add_action('profile_update', [self::class, 'profile_updated']);
    }

    /** The inline script before the widget: identify the user, or forget the one who left. */
    public static function script(): string
    {
        $user = wp_get_current_user();
        if ($user->exists()) {
            $call = 'Chinwag("identify",' . self::json(self::payload($user)) . ');';
        } elseif (self::$forget) {
            $call = 'Chinwag("identify",null);';
        } else {
            return '';
        }
        return Widget::STUB . $call;
    }

    /** What `identify` gets for a user: the hashes, never the secret. */
    public static function payload(\WP_User $user): array
    {
        $secret = Options::secrets()['identity_secret'];
        $payload = ['name' => $user->display_name, 'email' => $user->user_email];
        if ('' !== $secret) {
            $id = (string) $user->ID;
            $payload = [
                'userId' => $id,
                'userHash' => hash_hmac('sha256', $id, $secret),
                'emailHash' => hash_hmac('sha256', 'email:' . $user->user_email, $secret),
            ] + $payload;
        }
        if ('' === $payload['email']) {
            unset($payload['email'], $payload['emailHash']);
        }
        return $payload;
    }

    private static function json(array $value): string
    {
        // Safe inside a <script>: no "</script>", no HTML-significant characters.
        return (string) wp_json_encode($value, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES);
    }

    public static function signed_out(): void
    {
        if (!Options::is_connected() || headers_sent()) {
            return;
        }
        self::signed_out_cookie('1', 0);
    }

    /** Sets (for this browser session) or, with an expiry in the past, removes the sign-out cookie. */
    private static function signed_out_cookie(string $value, int $expires): void
    {
        setcookie(self::SIGNED_OUT_COOKIE, $value, [
            'expires' => $expires,
            'path' => COOKIEPATH ? COOKIEPATH : '/',
            'domain' => COOKIE_DOMAIN ? COOKIE_DOMAIN : '',
            'secure' => is_ssl(),
            'httponly' => true,
            'samesite' => 'Lax',
        ]);
    }

    /** On the first public page after signing out: forget the chat session there, once. */
    public static function after_sign_out(): void
    {
        if (!isset($_COOKIE[self::SIGNED_OUT_COOKIE]) || is_user_logged_in() || headers_sent()) {
            return;
        }
        self::$forget = true;
        self::signed_out_cookie('', time() - YEAR_IN_SECONDS);
    }

    public static function signed_in(string $login, \WP_User $user): void
    {
        self::sync($user);
    }

    public static function profile_updated(int $user_id): void
    {
        $user = get_userdata($user_id);
        if ($user instanceof \WP_User) {
            self::sync($user);
        }
    }

    /** The chosen profile fields of a user, as visitor attributes (at most 20, 500 characters each). */
    public static function attributes(\WP_User $user): array
    {
        $attributes = [];
        foreach (Options::settings()['profile_fields'] as $field) {
            $value = match ($field) {
                'role' => implode(', ', $user->roles),
                'registered' => $user->user_registered,
                'website' => $user->user_url,
                'locale' => get_user_locale($user),
                default => get_user_meta($user->ID, $field, true),
            };
            if (is_scalar($value) && '' !== trim((string) $value)) {
                $attributes[] = ['key' => $field, 'value' => mb_substr(trim((string) $value), 0, 500)];
            }
        }
        return array_slice($attributes, 0, 20);
    }

    /** Sends the user's chosen profile fields to Chinwag; a failure is noted for the status panel. */
    public static function sync(\WP_User $user): void
    {
        $settings = Options::settings();
        $secrets = Options::secrets();
        $attributes = self::attributes($user);
        if (!$attributes || '' === $secrets['api_key'] || '' === $settings['website_id'] || '' === $secrets['identity_secret']) {
            return;
        }
        try {
            (new Api($settings['server_url'], $secrets['api_key'], self::SYNC_TIMEOUT))->request(
                'mutation($i: SetVisitorAttributesInput!) { setVisitorAttributes(input: $i) { id } }',
                ['i' => ['websiteId' => $settings['website_id'], 'externalId' => (string) $user->ID, 'attributes' => $attributes]]
            );
        } catch (Api_Error $e) {
            Options::record_error(__('Sending profile fields', 'chinwag-live-chat'), $e->getMessage());
        }
    }
}
