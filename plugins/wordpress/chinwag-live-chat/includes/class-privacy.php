<?php

/**
 * WordPress's privacy tools, with Chinwag in them: the personal-data exporter adds the
 * person's chats (exportVisitor, then the archive read into WordPress's export), the
 * eraser erases them (eraseVisitor), and the suggested privacy policy text says what the
 * plugin sends to the Chinwag server. A person is found by their WordPress user id (the
 * `externalId` identity verification signed) or, without an account, by email.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Privacy
{
    /** Prefix of the transient that holds an export being built, per email. */
    public const PENDING = 'chinwag_export_';

    /** An export is given up after this many exporter pages without its archive. */
    private const MAX_POLLS = 30;

    public static function register(): void
    {
        add_filter('wp_privacy_personal_data_exporters', [self::class, 'exporters']);
        add_filter('wp_privacy_personal_data_erasers', [self::class, 'erasers']);
        add_action('admin_init', [self::class, 'policy']);
    }

    public static function exporters(array $exporters): array
    {
        $exporters['chinwag-live-chat'] = [
            'exporter_friendly_name' => __('Chinwag chats', 'chinwag-live-chat'),
            'callback' => [self::class, 'export'],
        ];
        return $exporters;
    }

    public static function erasers(array $erasers): array
    {
        $erasers['chinwag-live-chat'] = [
            'eraser_friendly_name' => __('Chinwag chats', 'chinwag-live-chat'),
            'callback' => [self::class, 'erase'],
        ];
        return $erasers;
    }

    /** Who the request is about, as Chinwag's PersonInput. */
    public static function person(string $email): array
    {
        $user = get_user_by('email', $email);
        return $user ? ['externalId' => (string) $user->ID] : ['email' => $email];
    }

    /** The API with the plugin's key, or null when the site has none (manual setup without one). */
    private static function api(): ?Api
    {
        $settings = Options::settings();
        $key = Options::secrets()['api_key'];
        return Options::is_connected() && '' !== $key ? new Api($settings['server_url'], $key) : null;
    }

    /**
     * One page of the exporter. The first asks Chinwag for an export; later pages wait for
     * the archive (seconds), then read it into the export. Returns WordPress's shape.
     */
    public static function export(string $email, int $page = 1): array|\WP_Error
    {
        $api = self::api();
        if (!$api) {
            return ['data' => [], 'done' => true];
        }
        $pending = self::PENDING . md5(strtolower($email));
        try {
            $state = get_transient($pending);
            if (1 === $page || !is_array($state)) {
                $export = $api->request(
                    'mutation($i: PersonInput!) { exportVisitor(input: $i) { id done url visitorIds } }',
                    ['i' => self::person($email)]
                )['exportVisitor'];
                if (!$export['visitorIds']) {
                    delete_transient($pending);
                    return ['data' => [], 'done' => true];
                }
                $state = ['id' => $export['id'], 'polls' => 0];
            }
            $export = self::wait_for_export($api, $state['id']);
            if (!$export['done']) {
                if (++$state['polls'] > self::MAX_POLLS) {
                    delete_transient($pending);
                    throw new Api_Error('UNAVAILABLE', __('Chinwag did not finish the export in time; try again.', 'chinwag-live-chat'));
                }
                set_transient($pending, $state, HOUR_IN_SECONDS);
                return ['data' => [], 'done' => false];
            }
            delete_transient($pending);
            return ['data' => self::items($api->download((string) $export['url'])), 'done' => true];
        } catch (Api_Error $e) {
            Options::record_error(__('Exporting personal data', 'chinwag-live-chat'), $e->getMessage());
            /* translators: %s: the reason. */
            return new \WP_Error('chinwag_export', sprintf(__('Chinwag: %s', 'chinwag-live-chat'), $e->getMessage()));
        }
    }

    /** Polls the export for up to about three seconds. */
    private static function wait_for_export(Api $api, string $id): array
    {
        for ($i = 0;; $i++) {
            $export = $api->request('query($id: ID!) { export(id: $id) { done url } }', ['id' => $id])['export'];
            if ($export['done'] || $i >= 12) {
                return $export;
            }
            usleep(250000);
        }
    }

    /** WordPress export items from Chinwag's archive: a profile per visitor and each conversation. */
    public static function items(string $zip_bytes): array
    {
        if (!class_exists('ZipArchive')) {
            throw new Api_Error('INTERNAL', __('PHP\'s zip extension is needed to read the archive.', 'chinwag-live-chat'));
        }
        if (!function_exists('wp_tempnam')) {
            require_once ABSPATH . 'wp-admin/includes/file.php';
        }
        $file = wp_tempnam('chinwag-export');
        file_put_contents($file, $zip_bytes);
        $zip = new \ZipArchive();
        $items = [];
        try {
            if (true !== $zip->open($file)) {
                throw new Api_Error('BAD_RESPONSE', __('The archive could not be read.', 'chinwag-live-chat'));
            }
            for ($i = 0; $i < $zip->numFiles; $i++) {
                $name = (string) $zip->getNameIndex($i);
                if (preg_match('#^visitors/[^/]+\.json$#', $name)) {
                    $visitor = json_decode((string) $zip->getFromIndex($i), true);
                    if (is_array($visitor)) {
                        array_push($items, ...self::visitor_items($visitor));
                    }
                }
            }
        } finally {
            $zip->close();
            wp_delete_file($file);
        }
        return $items;
    }

    private static function visitor_items(array $v): array
    {
        $pair = static fn (string $name, mixed $value) => ['name' => $name, 'value' => esc_html((string) $value)];
        $profile = [
            $pair(__('Name', 'chinwag-live-chat'), $v['name'] ?? ''),
            $pair(__('Email', 'chinwag-live-chat'), $v['email'] ?? ''),
            $pair(__('User id', 'chinwag-live-chat'), $v['externalId'] ?? ''),
            $pair(__('Browser', 'chinwag-live-chat'), $v['userAgent'] ?? ''),
            $pair(__('IP address', 'chinwag-live-chat'), $v['ip'] ?? ''),
            $pair(__('First seen', 'chinwag-live-chat'), $v['firstSeenAt'] ?? ''),
            $pair(__('Last seen', 'chinwag-live-chat'), $v['lastSeenAt'] ?? ''),
        ];
        $attributes = array_merge((array) ($v['attributes'] ?? []), (array) ($v['attributesFromTheSite'] ?? []));
        foreach ($attributes as $key => $value) {
            $profile[] = $pair((string) $key, is_scalar($value) ? $value : wp_json_encode($value));
        }
        $items = [[
            'group_id' => 'chinwag-visitor',
            'group_label' => __('Chat profile', 'chinwag-live-chat'),
            'group_description' => __('What the live chat knows about you.', 'chinwag-live-chat'),
            'item_id' => 'chinwag-visitor-' . ($v['id'] ?? ''),
            'data' => array_values(array_filter($profile, static fn (array $p) => '' !== $p['value'])),
        ]];
        foreach ((array) ($v['conversations'] ?? []) as $c) {
            $lines = [];
            foreach ((array) ($c['messages'] ?? []) as $m) {
                // `from` is the sender kind: visitor, agent, bot or system.
                $who = 'visitor' === strtolower((string) ($m['from'] ?? ''))
                    ? __('You', 'chinwag-live-chat')
                    : ($m['senderName'] ?? __('Team', 'chinwag-live-chat'));
                $files = $m['files'] ? ' [' . implode(', ', array_map('basename', (array) $m['files'])) . ']' : '';
                $lines[] = esc_html(sprintf('%s %s: %s%s', $m['sentAt'] ?? '', $who, $m['body'] ?? '', $files));
            }
            $items[] = [
                'group_id' => 'chinwag-conversations',
                'group_label' => __('Chat conversations', 'chinwag-live-chat'),
                'group_description' => __('Your conversations in the live chat.', 'chinwag-live-chat'),
                'item_id' => 'chinwag-conversation-' . ($c['id'] ?? ''),
                'data' => array_values(array_filter([
                    $pair(__('Started', 'chinwag-live-chat'), $c['startedAt'] ?? ''),
                    $pair(__('Status', 'chinwag-live-chat'), $c['status'] ?? ''),
                    $pair(__('Rating', 'chinwag-live-chat'), $c['rating'] ?? ''),
                    $pair(__('Rating comment', 'chinwag-live-chat'), $c['ratingComment'] ?? ''),
                    ['name' => __('Messages', 'chinwag-live-chat'), 'value' => implode('<br>', $lines)],
                ], static fn (array $p) => '' !== $p['value'])),
            ];
        }
        return $items;
    }

    /** The eraser: one request to Chinwag, which erases within seconds and keeps a receipt. */
    public static function erase(string $email, int $page = 1): array|\WP_Error
    {
        $api = self::api();
        if (!$api) {
            return ['items_removed' => false, 'items_retained' => false, 'messages' => [], 'done' => true];
        }
        try {
            $erasure = $api->request(
                'mutation($i: PersonInput!) { eraseVisitor(input: $i) { id visitorIds } }',
                ['i' => self::person($email)]
            )['eraseVisitor'];
        } catch (Api_Error $e) {
            Options::record_error(__('Erasing personal data', 'chinwag-live-chat'), $e->getMessage());
            /* translators: %s: the reason. */
            return new \WP_Error('chinwag_erase', sprintf(__('Chinwag: %s', 'chinwag-live-chat'), $e->getMessage()));
        }
        $found = count($erasure['visitorIds']);
        $messages = [];
        if ($found) {
            $messages[] = sprintf(
                /* translators: 1: how many chat profiles, 2: the erasure's id in Chinwag. */
                _n(
                    'Chinwag erases %1$d chat profile and its conversations within seconds (receipt %2$s).',
                    'Chinwag erases %1$d chat profiles and their conversations within seconds (receipt %2$s).',
                    $found,
                    'chinwag-live-chat'
                ),
                $found,
                $erasure['id']
            );
        }
        return ['items_removed' => $found > 0, 'items_retained' => false, 'messages' => $messages, 'done' => true];
    }

    /** The suggested text for the site's privacy policy (Settings -> Privacy). */
    public static function policy(): void
    {
        if (!function_exists('wp_add_privacy_policy_content')) {
            return;
        }
        $server = Options::settings()['server_url'];
        $where = '' !== $server ? $server : __('the Chinwag server this site is connected to', 'chinwag-live-chat');
        $paragraphs = [
            sprintf(
                /* translators: %s: the Chinwag server's address. */
                __('This site uses a live chat served by %s.', 'chinwag-live-chat'),
                $where
            ) . ' ' . __('Its script loads on our pages; it stores nothing in your browser and sends nothing about you until you write.', 'chinwag-live-chat'),
            __('When you write, the chat keeps your messages, your browser\'s name and your IP address.', 'chinwag-live-chat')
                . ' ' . __('From then on, it also keeps the pages you visit here.', 'chinwag-live-chat'),
            __('When you are logged in to this site, it also receives your user id, name and email address.', 'chinwag-live-chat')
                . ' ' . __('This site signs them so that our team knows it is you.', 'chinwag-live-chat')
                . ' ' . __('It may also receive the profile fields we chose to share.', 'chinwag-live-chat'),
            __('Your chats are included when you ask us to export or erase your personal data.', 'chinwag-live-chat'),
        ];
        $text = '<p>' . implode('</p><p>', array_map('esc_html', $paragraphs)) . '</p>';
        wp_add_privacy_policy_content(__('Chinwag Live Chat', 'chinwag-live-chat'), wp_kses_post($text));
    }
}
