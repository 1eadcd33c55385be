<?php

/**
 * The widget on public pages: the one-line snippet (`widget.js`, async, with the website
 * key and the site's language) in the footer, where the display rules allow it. Scripts
 * for identity and the chat button go before and after it as inline scripts of the same
 * handle, so they travel with it (and with any CSP nonce a security plugin adds).
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Widget
{
    public const HANDLE = 'chinwag-widget';

    /**
     * Defines the queue every call waits in until `widget.js` has loaded
     * (docs/widget.md): calls made before then run in order once it has.
     */
    public const STUB = 'window.Chinwag=window.Chinwag||function(){(Chinwag.q=Chinwag.q||[]).push(arguments)};';

    public static function register(): void
    {
        add_action('wp_enqueue_scripts', [self::class, 'enqueue']);
        add_filter('script_loader_tag', [self::class, 'tag'], 10, 2);
    }

    /** Whether this public page gets the widget. */
    public static function shows(): bool
    {
        if (!Options::is_connected() || is_admin() || is_feed() || is_embed() || is_robots()) {
            return false;
        }
        $settings = Options::settings();
        if ($settings['hide_for_admins'] && current_user_can('manage_options')) {
            return false;
        }
        /**
         * Filters whether the chat widget shows on the current page, after the plugin's rules.
         *
         * @param bool $shows Whether it shows.
         */
        return (bool) apply_filters('chinwag_show_widget', Rules::allow($settings));
    }

    /** Whether the widget was enqueued for this page: decided once, whoever asks first. */
    private static ?bool $enqueued = null;

    /**
     * Puts the widget on this page if it shows here; returns whether it does. Called at
     * `wp_enqueue_scripts`, or earlier by a chat button: block themes render the content
     * before the page's head.
     */
    public static function enqueue(): bool
    {
        if (null !== self::$enqueued) {
            return self::$enqueued;
        }
        self::$enqueued = self::shows();
        if (!self::$enqueued) {
            return false;
        }
        $settings = Options::settings();
        // No version query: the server caches widget.js briefly and revalidates it itself.
        wp_enqueue_script(self::HANDLE, (new Api($settings['server_url']))->widget_url(), [], null, true);
        $before = Identity::script();
        if ('' !== $before) {
            wp_add_inline_script(self::HANDLE, $before, 'before');
        }
        return true;
    }

    /** The widget's language: the site's (`fr_FR` becomes `fr-FR`). */
    public static function locale(): string
    {
        return str_replace('_', '-', get_locale());
    }

    /** Adds the widget's attributes (and `async`) to its script tag. */
    public static function tag(string $tag, string $handle): string
    {
        if (self::HANDLE !== $handle) {
            return $tag;
        }
        $settings = Options::settings();
        $attributes = sprintf(
            ' data-website-key="%s" data-locale="%s"',
            esc_attr($settings['website_key']),
            esc_attr(self::locale())
        );
        // Behind a path (https://example.com/chat), the API is not at the host's /graphql.
        if ('' !== (string) wp_parse_url($settings['server_url'], PHP_URL_PATH)) {
            $attributes .= sprintf(' data-api="%s"', esc_url($settings['server_url'] . '/graphql'));
        }
        return (string) preg_replace_callback(
            '#<script\b[^>]*\bid=([\'"])' . self::HANDLE . '-js\1[^>]*#',
            static fn (array $m) => $m[0] . $attributes . ' async',
            $tag,
            1
        );
    }
}
