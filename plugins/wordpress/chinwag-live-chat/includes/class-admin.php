<?php

/**
 * Settings -> Chinwag: connect (an account, or a pasted website key), the status panel
 * (connection check, last error, dashboard link), where the chat shows, what logged-in
 * users share, and disconnecting. Every change is a POST to admin-post.php checked for
 * the `manage_options` capability and its own nonce before anything else; the page
 * renders no secret (the identity secret and API key are never echoed back, not even
 * into a password field). Notices show on this page only.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Admin
{
    public const PAGE = 'chinwag';
    public const CAPABILITY = 'manage_options';
    /** Each form's admin-post action, and the nonce action that goes with it. */
    private const ACTIONS = ['connect', 'connect_key', 'save', 'check', 'disconnect'];

    public static function register(): void
    {
        add_action('admin_menu', [self::class, 'menu']);
        foreach (self::ACTIONS as $action) {
            add_action('admin_post_chinwag_' . $action, [self::class, 'handle_' . $action]);
        }
        add_filter('plugin_action_links_' . plugin_basename(CHINWAG_FILE), [self::class, 'action_links']);
        add_action('admin_enqueue_scripts', [self::class, 'assets']);
    }

    public static function menu(): void
    {
        add_options_page(
            __('Chinwag Live Chat', 'chinwag-live-chat'),
            __('Chinwag', 'chinwag-live-chat'),
            self::CAPABILITY,
            self::PAGE,
            [self::class, 'page']
        );
    }

    public static function url(): string
    {
        return admin_url('options-general.php?page=' . self::PAGE);
    }

    public static function action_links(array $links): array
    {
        $settings = sprintf('<a href="%s">%s</a>', esc_url(self::url()), esc_html__('Settings', 'chinwag-live-chat'));
        array_unshift($links, $settings);
        return $links;
    }

    public static function assets(string $hook): void
    {
        if ('settings_page_' . self::PAGE !== $hook) {
            return;
        }
        $base = plugins_url('assets/', CHINWAG_FILE);
        wp_enqueue_style('chinwag-admin', $base . 'admin.css', [], CHINWAG_VERSION);
        wp_enqueue_script('chinwag-admin', $base . 'admin.js', [], CHINWAG_VERSION, true);
    }

    /** Capability first, then the form's nonce: either failing ends the request (403). */
    private static function guard(string $action): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            wp_die(
                esc_html__('Sorry, you are not allowed to change the chat settings.', 'chinwag-live-chat'),
                esc_html__('Not allowed', 'chinwag-live-chat'),
                ['response' => 403]
            );
        }
        check_admin_referer('chinwag_' . $action);
    }

    /** Back to the settings page with a notice for this user only. */
    private static function done(string $type, string $message): never
    {
        set_transient('chinwag_notice_' . get_current_user_id(), ['type' => $type, 'message' => $message], MINUTE_IN_SECONDS);
        wp_safe_redirect(self::url());
        exit;
    }

    /** A sentence for an owner about what went wrong. */
    public static function explain(Api_Error $e): string
    {
        return match ($e->kind) {
            /* translators: %s: the network error. */
            'NETWORK_ERROR' => sprintf(__('The Chinwag server could not be reached: %s', 'chinwag-live-chat'), $e->getMessage()),
            'BAD_RESPONSE' => $e->getMessage(),
            /* translators: 1: the server's message, 2: its error code. */
            default => sprintf(__('Chinwag said: %1$s (%2$s)', 'chinwag-live-chat'), $e->getMessage(), $e->kind),
        };
    }

    /** A text field of the POSTed form, sanitized. */
    private static function field(string $name): string
    {
        // phpcs:ignore -- the nonce was checked in guard() before any field is read.
        return isset($_POST[$name]) ? trim(sanitize_text_field(wp_unslash($_POST[$name]))) : '';
    }

    private static function server_from_form(): string
    {
        $server = Api::normalize_server(self::field('server_url'));
        if (null === $server) {
            self::done('error', __('Enter your Chinwag server\'s address, like https://chat.example.com.', 'chinwag-live-chat'));
        }
        return $server;
    }

    public static function handle_connect(): void
    {
        self::guard('connect');
        $server = self::server_from_form();
        $create = 'signup' === self::field('account');
        $account = [
            'email' => sanitize_email(self::field('email')),
            // A password is used as typed: never sanitized into another one, never stored.
            'password' => isset($_POST['password']) ? (string) wp_unslash($_POST['password']) : '',
            'organization' => self::field('organization'),
            'name' => self::field('name'),
        ];
        if ('' === $account['email'] || '' === $account['password']) {
            self::done('error', __('Enter the email and password of your Chinwag account.', 'chinwag-live-chat'));
        }
        if ($create && ('' === $account['organization'] || '' === $account['name'])) {
            self::done('error', __('A new account needs your name and your business\'s name.', 'chinwag-live-chat'));
        }
        $website = self::field('website_name');
        if ('' === $website) {
            $website = '' !== get_bloginfo('name') ? get_bloginfo('name') : (string) wp_parse_url(home_url(), PHP_URL_HOST);
        }
        self::connect(static fn () => Connect::with_account($server, $create, $account, $website));
    }

    public static function handle_connect_key(): void
    {
        self::guard('connect_key');
        $server = self::server_from_form();
        $key = self::field('website_key');
        if (!preg_match('/^wk_[A-Za-z0-9_-]+$/', $key)) {
            self::done('error', __('A website key starts with wk_. Copy it from the dashboard\'s website settings.', 'chinwag-live-chat'));
        }
        $secret = self::field('identity_secret');
        $api_key = self::field('api_key');
        self::connect(static fn () => Connect::with_key($server, $key, $secret, $api_key));
    }

    /** Runs a way of connecting (which returns the website's name) and says how it went. */
    private static function connect(callable $how): never
    {
        try {
            $name = $how();
        } catch (Api_Error $e) {
            self::done('error', self::explain($e));
        }
        /* translators: %s: the website's name in Chinwag. */
        self::done('success', sprintf(__('Connected to "%s": the chat is live on your site.', 'chinwag-live-chat'), $name));
    }

    public static function handle_save(): void
    {
        self::guard('save');
        $before = Options::settings();
        // phpcs:disable -- the nonce was checked in guard(); each value is sanitized here.
        $only = isset($_POST['only']) && is_array($_POST['only']) ? wp_unslash($_POST['only']) : [];
        $exclude = isset($_POST['exclude']) && is_array($_POST['exclude']) ? wp_unslash($_POST['exclude']) : [];
        $fields = isset($_POST['profile_fields']) && is_array($_POST['profile_fields']) ? wp_unslash($_POST['profile_fields']) : [];
        // phpcs:enable
        $fields = array_intersect(array_map('sanitize_key', $fields), Identity::PROFILE_FIELDS);
        $meta_keys = preg_split('/[\s,]+/', self::field('profile_meta'), -1, PREG_SPLIT_NO_EMPTY);
        $settings = [
            'hide_for_admins' => '1' === self::field('hide_for_admins'),
            'powered_by' => '1' === self::field('powered_by'),
            'only' => Rules::sanitize($only),
            'exclude' => Rules::sanitize($exclude),
            'profile_fields' => array_values(array_unique(array_merge($fields, array_map('sanitize_key', $meta_keys)))),
        ];
        Options::update_settings($settings);
        if ($settings['powered_by'] !== $before['powered_by'] && '' !== Options::secrets()['api_key'] && '' !== $before['website_id']) {
            try {
                (new Api($before['server_url'], Options::secrets()['api_key']))->request(
                    'mutation($id: ID!, $i: UpdateWebsiteInput!) { updateWebsite(id: $id, input: $i) { id } }',
                    ['id' => $before['website_id'], 'i' => ['poweredBy' => $settings['powered_by']]]
                );
            } catch (Api_Error $e) {
                Options::update_settings(['powered_by' => $before['powered_by']]);
                Options::record_error(__('Saving "Powered by"', 'chinwag-live-chat'), self::explain($e));
                self::done('error', self::explain($e));
            }
        }
        self::done('success', __('Settings saved.', 'chinwag-live-chat'));
    }

    public static function handle_check(): void
    {
        self::guard('check');
        try {
            $message = Connect::check();
        } catch (Api_Error $e) {
            Options::record_check(false, self::explain($e));
            Options::record_error(__('Checking the connection', 'chinwag-live-chat'), self::explain($e));
            self::done('error', self::explain($e));
        }
        Options::record_check(true, $message);
        self::done('success', $message);
    }

    public static function handle_disconnect(): void
    {
        self::guard('disconnect');
        $had_key = '' !== Options::secrets()['api_key_id'];
        Options::forget_connection();
        $message = __('Disconnected: the chat no longer shows on your site.', 'chinwag-live-chat');
        if ($had_key) {
            $message .= ' ' . __(
                'Revoke this site\'s API key in the Chinwag dashboard (Settings, API keys); connecting again replaces it.',
                'chinwag-live-chat'
            );
        }
        self::done('success', $message);
    }

    public static function page(): void
    {
        if (!current_user_can(self::CAPABILITY)) {
            wp_die(esc_html__('Sorry, you are not allowed to change the chat settings.', 'chinwag-live-chat'), '', ['response' => 403]);
        }
        echo '<div class="wrap chinwag-settings"><h1>' . esc_html__('Chinwag Live Chat', 'chinwag-live-chat') . '</h1>';
        self::notice();
        require __DIR__ . '/views/' . (Options::is_connected() ? 'connected.php' : 'connect.php');
        echo '</div>';
    }

    /** The notice left by the last action, on this page only, once. */
    private static function notice(): void
    {
        $key = 'chinwag_notice_' . get_current_user_id();
        $notice = get_transient($key);
        if (!is_array($notice)) {
            return;
        }
        delete_transient($key);
        printf(
            '<div class="notice notice-%s is-dismissible"><p>%s</p></div>',
            'success' === $notice['type'] ? 'success' : 'error',
            esc_html($notice['message'])
        );
    }

    /** The opening of a form posting `$action` to admin-post.php, with its nonce. */
    public static function form_start(string $action, string $class = ''): void
    {
        printf(
            '<form method="post" action="%s" class="%s"><input type="hidden" name="action" value="chinwag_%s">',
            esc_url(admin_url('admin-post.php')),
            esc_attr($class),
            esc_attr($action)
        );
        wp_nonce_field('chinwag_' . $action);
    }
}
