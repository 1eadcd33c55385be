<?php

/**
 * What the plugin stores, in three options split by who reads them and how often:
 * - `chinwag_settings`: what every public page needs (server, website key, display rules);
 *   small and autoloaded, so a page costs no extra query.
 * - `chinwag_secrets`: the identity secret and the API key; not autoloaded, read only on
 *   the server when a hash is computed or the API is called, never rendered into a page.
 * - `chinwag_status`: the status panel's last error and last check; admin only.
 * The owner's password and session tokens are never stored (see class-connect.php).
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Options
{
    public const SETTINGS = 'chinwag_settings';
    public const SECRETS = 'chinwag_secrets';
    public const STATUS = 'chinwag_status';

    /** An empty rule set: matches nothing. */
    public const NO_RULES = ['post_types' => [], 'posts' => [], 'urls' => []];

    /** The connection's part of the settings, as it is when not connected. */
    public const NOT_CONNECTED = [
        // The Chinwag server's base address, without a trailing slash.
        'server_url' => '',
        'website_key' => '',
        'website_id' => '',
        'website_name' => '',
        // '' (not connected), 'account' (connected through the API) or 'manual' (a pasted key).
        'connection' => '',
        'connected_by' => '',
        'connected_at' => 0,
    ];

    public const DEFAULTS = self::NOT_CONNECTED + [
        'hide_for_admins' => false,
        // "Powered by Chinwag" in the widget: off unless the owner turns it on.
        'powered_by' => false,
        // Profile fields sent as visitor attributes (keys of Identity::PROFILE_FIELDS, or user meta keys).
        'profile_fields' => [],
        // Show the widget only where `only` matches (when it names anything), never where `exclude` does.
        'only' => self::NO_RULES,
        'exclude' => self::NO_RULES,
    ];

    public const NO_SECRETS = ['identity_secret' => '', 'api_key' => '', 'api_key_id' => ''];

    public static function settings(): array
    {
        return self::read(self::SETTINGS, self::DEFAULTS);
    }

    public static function update_settings(array $changes): void
    {
        self::write(self::SETTINGS, self::DEFAULTS, $changes, true);
    }

    public static function secrets(): array
    {
        return self::read(self::SECRETS, self::NO_SECRETS);
    }

    public static function update_secrets(array $changes): void
    {
        self::write(self::SECRETS, self::NO_SECRETS, $changes, false);
    }

    /** An option as stored, over its defaults (so every key is always there). */
    private static function read(string $option, array $defaults): array
    {
        $stored = get_option($option, []);
        return array_merge($defaults, is_array($stored) ? $stored : []);
    }

    /** Changes some keys of an option; keys the defaults do not name are dropped. */
    private static function write(string $option, array $defaults, array $changes, bool $autoload): void
    {
        update_option($option, array_intersect_key(array_merge(self::read($option, $defaults), $changes), $defaults), $autoload);
    }

    public static function is_connected(): bool
    {
        $s = self::settings();
        return '' !== $s['server_url'] && '' !== $s['website_key'];
    }

    public static function status(): array
    {
        $stored = get_option(self::STATUS, []);
        return array_merge(['last_error' => null, 'last_check' => null], is_array($stored) ? $stored : []);
    }

    /** Remembers a failure for the status panel (`$where`: what was being done). */
    public static function record_error(string $where, string $message): void
    {
        $status = self::status();
        $status['last_error'] = ['where' => $where, 'message' => $message, 'at' => time()];
        update_option(self::STATUS, $status, false);
    }

    public static function record_check(bool $ok, string $message): void
    {
        $status = self::status();
        $status['last_check'] = ['ok' => $ok, 'message' => $message, 'at' => time()];
        update_option(self::STATUS, $status, false);
    }

    /** Forgets the website and its credentials; the display settings stay for a reconnection. */
    public static function forget_connection(): void
    {
        self::update_settings(self::NOT_CONNECTED);
        delete_option(self::SECRETS);
        delete_option(self::STATUS);
    }

    /** Everything the plugin stored on this site (uninstall). */
    public static function delete_all(): void
    {
        delete_option(self::SETTINGS);
        delete_option(self::SECRETS);
        delete_option(self::STATUS);
        global $wpdb;
        $wpdb->query($wpdb->prepare(
            "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
            // Notices waiting for the settings page, and exports being built.
            $wpdb->esc_like('_transient_chinwag_') . '%',
            $wpdb->esc_like('_transient_timeout_chinwag_') . '%'
        ));
    }
}
