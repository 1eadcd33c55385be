<?php

/**
 * Where the widget shows: two rule sets, `only` (when it names anything, the page must
 * match it) and `exclude` (a matching page never shows the widget). A set matches a page
 * by post type (single views and archives of that type), by post (ID or slug) or by URL
 * pattern (`*` for any characters, against the path and query, or the full address when
 * the pattern starts with http).
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Rules
{
    /** Whether the current public request may show the widget. */
    public static function allow(array $settings): bool
    {
        $only = $settings['only'];
        $names_anything = $only['post_types'] || $only['posts'] || $only['urls'];
        if ($names_anything && !self::matches($only)) {
            return false;
        }
        return !self::matches($settings['exclude']);
    }

    /** Whether the current request matches any rule of the set. */
    public static function matches(array $set): bool
    {
        if ($set['post_types']) {
            $type = null;
            if (is_singular()) {
                $type = get_post_type();
            } elseif (is_post_type_archive()) {
                $type = get_query_var('post_type');
            } elseif (is_home()) {
                $type = 'post';
            }
            if (is_string($type) && in_array($type, $set['post_types'], true)) {
                return true;
            }
        }
        if ($set['posts'] && is_singular()) {
            $post = get_queried_object();
            if ($post instanceof \WP_Post) {
                foreach ($set['posts'] as $wanted) {
                    if ((string) $post->ID === $wanted || $post->post_name === $wanted) {
                        return true;
                    }
                }
            }
        }
        if ($set['urls']) {
            $request = isset($_SERVER['REQUEST_URI']) ? esc_url_raw(wp_unslash($_SERVER['REQUEST_URI'])) : '/';
            foreach ($set['urls'] as $pattern) {
                $subject = str_starts_with($pattern, 'http') ? Connect::site_origin() . $request : $request;
                if (self::url_matches($pattern, $subject)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** `*` is any run of characters; everything else is literal; case does not matter. */
    public static function url_matches(string $pattern, string $subject): bool
    {
        $regex = '#^' . str_replace('\*', '.*', preg_quote($pattern, '#')) . '$#i';
        return 1 === preg_match($regex, $subject);
    }

    /** A rule set from the settings form: lists of post types, posts and URL patterns. */
    public static function sanitize(array $input): array
    {
        $types = array_map('sanitize_key', (array) ($input['post_types'] ?? []));
        $known = get_post_types(['public' => true]);
        $posts = preg_split('/[\s,]+/', (string) ($input['posts'] ?? ''), -1, PREG_SPLIT_NO_EMPTY);
        $urls = preg_split('/\R/', (string) ($input['urls'] ?? ''), -1, PREG_SPLIT_NO_EMPTY);
        return [
            'post_types' => array_values(array_intersect($types, $known)),
            'posts' => array_values(array_unique(array_map('sanitize_title', $posts))),
            'urls' => array_values(array_unique(array_filter(array_map(
                static fn (string $url) => trim(sanitize_text_field($url)),
                $urls
            )))),
        ];
    }
}
