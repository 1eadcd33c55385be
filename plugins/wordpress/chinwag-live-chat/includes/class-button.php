<?php

/**
 * "Open chat" in a page: the `[chinwag_chat]` shortcode and the `chinwag/open-chat` block
 * (a dynamic block: the same markup from the same function). A button (`style="button"`,
 * the default) or an inline link (`style="link"`) that opens the chat panel. Where the
 * widget does not show (rules, not connected), nothing is rendered: a button that does
 * nothing would be worse than none.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Button
{
    /** Opens the chat on a click on any element with the class, wherever it is. */
    private const CLICK = 'document.addEventListener("click",function(e){var t=e.target.closest&&e.target.closest(".chinwag-open");'
        . 'if(t){e.preventDefault();Chinwag("open")}});';

    private static bool $script_added = false;

    public static function register(): void
    {
        add_shortcode('chinwag_chat', [self::class, 'shortcode']);
        add_action('init', [self::class, 'register_block']);
    }

    public static function register_block(): void
    {
        register_block_type(dirname(CHINWAG_FILE) . '/blocks/open-chat', ['render_callback' => [self::class, 'block']]);
        wp_set_script_translations('chinwag-open-chat-editor-script', 'chinwag-live-chat', dirname(CHINWAG_FILE) . '/languages');
    }

    /** `[chinwag_chat label="Talk to us" style="link"]` */
    public static function shortcode(array|string $atts = []): string
    {
        $atts = shortcode_atts(['label' => '', 'style' => 'button'], is_array($atts) ? $atts : [], 'chinwag_chat');
        return self::render((string) $atts['label'], (string) $atts['style']);
    }

    public static function block(array $attributes): string
    {
        return self::render((string) ($attributes['label'] ?? ''), (string) ($attributes['style'] ?? 'button'), true);
    }

    public static function render(string $label, string $style, bool $block = false): string
    {
        if (!Widget::enqueue()) {
            return '';
        }
        if (!self::$script_added) {
            wp_add_inline_script(Widget::HANDLE, Widget::STUB . self::CLICK, 'after');
            self::$script_added = true;
        }
        $label = '' !== trim($label) ? $label : __('Chat with us', 'chinwag-live-chat');
        if ('link' === $style) {
            $html = sprintf('<a href="#chat" class="chinwag-open chinwag-open-link">%s</a>', esc_html($label));
        } else {
            $html = sprintf(
                '<button type="button" class="chinwag-open wp-element-button">%s</button>',
                esc_html($label)
            );
        }
        if ($block) {
            return sprintf('<div %s>%s</div>', get_block_wrapper_attributes(), $html);
        }
        return $html;
    }
}
