<?php

/**
 * The settings page once connected: the status panel, where the chat shows, what
 * logged-in users share, and disconnecting. Rendered by Admin::page(), which checked the
 * capability. No secret is rendered: only whether one is stored.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

$chinwag_settings = Options::settings();
$chinwag_secrets = Options::secrets();
$chinwag_status = Options::status();
$chinwag_when = static fn (int $at) => wp_date(get_option('date_format') . ' ' . get_option('time_format'), $at);
$chinwag_types = get_post_types(['public' => true], 'objects');
$chinwag_field_labels = [
    'role' => __('Role', 'chinwag-live-chat'),
    'registered' => __('Registration date', 'chinwag-live-chat'),
    'first_name' => __('First name', 'chinwag-live-chat'),
    'last_name' => __('Last name', 'chinwag-live-chat'),
    'nickname' => __('Nickname', 'chinwag-live-chat'),
    'website' => __('Website', 'chinwag-live-chat'),
    'locale' => __('Language', 'chinwag-live-chat'),
];
$chinwag_meta_keys = array_diff($chinwag_settings['profile_fields'], Identity::PROFILE_FIELDS);
$chinwag_can_manage = 'account' === $chinwag_settings['connection'] && '' !== $chinwag_secrets['api_key'];
?>
<section class="chinwag-card chinwag-status" aria-labelledby="chinwag-status-title">
    <h2 id="chinwag-status-title"><?php esc_html_e('Status', 'chinwag-live-chat'); ?></h2>
    <table class="widefat striped" role="presentation">
        <tr>
            <th scope="row"><?php esc_html_e('Website', 'chinwag-live-chat'); ?></th>
            <td>
                <strong><?php echo esc_html($chinwag_settings['website_name']); ?></strong>
                <?php
                printf(
                    /* translators: %s: the Chinwag server's address. */
                    esc_html__('on %s', 'chinwag-live-chat'),
                    '<code>' . esc_html($chinwag_settings['server_url']) . '</code>'
                );
                ?>
                <br><small><?php esc_html_e('Website key:', 'chinwag-live-chat'); ?> <code><?php echo esc_html($chinwag_settings['website_key']); ?></code></small>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Connected', 'chinwag-live-chat'); ?></th>
            <td>
                <?php
                if ('account' === $chinwag_settings['connection']) {
                    printf(
                        /* translators: 1: an email address, 2: a date. */
                        esc_html__('By %1$s, on %2$s', 'chinwag-live-chat'),
                        esc_html($chinwag_settings['connected_by']),
                        esc_html($chinwag_when((int) $chinwag_settings['connected_at']))
                    );
                } else {
                    printf(
                        /* translators: %s: a date. */
                        esc_html__('With a pasted website key, on %s', 'chinwag-live-chat'),
                        esc_html($chinwag_when((int) $chinwag_settings['connected_at']))
                    );
                }
                ?>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Logged-in users', 'chinwag-live-chat'); ?></th>
            <td>
                <?php
                if ('' !== $chinwag_secrets['identity_secret']) {
                    esc_html_e('Verified: agents see their name and email, signed by this site.', 'chinwag-live-chat');
                } else {
                    esc_html_e('Not verified: no identity secret. Their name and email are passed as unverified contact details.', 'chinwag-live-chat');
                }
                ?>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Privacy requests', 'chinwag-live-chat'); ?></th>
            <td>
                <?php
                if ('' !== $chinwag_secrets['api_key']) {
                    esc_html_e('Chats are included in personal data exports and erasures (Tools).', 'chinwag-live-chat');
                } else {
                    esc_html_e('Not included: no API key.', 'chinwag-live-chat');
                }
                ?>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Last check', 'chinwag-live-chat'); ?></th>
            <td class="chinwag-last-check">
                <?php
                $chinwag_check = $chinwag_status['last_check'];
                if (is_array($chinwag_check)) {
                    printf(
                        '<span class="chinwag-%s">%s</span> %s <small>(%s)</small>',
                        $chinwag_check['ok'] ? 'ok' : 'failed',
                        $chinwag_check['ok'] ? esc_html__('Working.', 'chinwag-live-chat') : esc_html__('Failed.', 'chinwag-live-chat'),
                        esc_html($chinwag_check['message']),
                        esc_html($chinwag_when((int) $chinwag_check['at']))
                    );
                } else {
                    esc_html_e('Not checked yet.', 'chinwag-live-chat');
                }
                ?>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Last error', 'chinwag-live-chat'); ?></th>
            <td class="chinwag-last-error">
                <?php
                $chinwag_error = $chinwag_status['last_error'];
                if (is_array($chinwag_error)) {
                    printf(
                        '%s: %s <small>(%s)</small>',
                        esc_html($chinwag_error['where']),
                        esc_html($chinwag_error['message']),
                        esc_html($chinwag_when((int) $chinwag_error['at']))
                    );
                } else {
                    esc_html_e('None.', 'chinwag-live-chat');
                }
                ?>
            </td>
        </tr>
    </table>
    <div class="chinwag-actions">
        <?php Admin::form_start('check', 'chinwag-inline'); ?>
        <?php submit_button(__('Check connection', 'chinwag-live-chat'), 'secondary', 'submit', false); ?>
        </form>
        <a class="button" href="<?php echo esc_url((new Api($chinwag_settings['server_url']))->dashboard_url()); ?>" target="_blank" rel="noopener noreferrer">
            <?php esc_html_e('Open the Chinwag dashboard', 'chinwag-live-chat'); ?>
            <span class="screen-reader-text"><?php esc_html_e('(opens in a new tab)', 'chinwag-live-chat'); ?></span>
        </a>
    </div>
</section>

<section class="chinwag-card" aria-labelledby="chinwag-display-title">
    <h2 id="chinwag-display-title"><?php esc_html_e('Where the chat shows, and what agents see', 'chinwag-live-chat'); ?></h2>
    <?php Admin::form_start('save', 'chinwag-display'); ?>
    <table class="form-table" role="presentation">
        <tr>
            <th scope="row"><?php esc_html_e('Administrators', 'chinwag-live-chat'); ?></th>
            <td>
                <label>
                    <input type="checkbox" name="hide_for_admins" value="1" <?php checked($chinwag_settings['hide_for_admins']); ?>>
                    <?php esc_html_e('Hide the chat for logged-in administrators', 'chinwag-live-chat'); ?>
                </label>
            </td>
        </tr>
        <?php
        foreach (['only' => __('Only on', 'chinwag-live-chat'), 'exclude' => __('Never on', 'chinwag-live-chat')] as $chinwag_set => $chinwag_title) :
            $chinwag_rules = $chinwag_settings[$chinwag_set];
            ?>
        <tr>
            <th scope="row"><?php echo esc_html($chinwag_title); ?></th>
            <td>
                <fieldset class="chinwag-rules">
                    <legend class="screen-reader-text"><?php echo esc_html($chinwag_title); ?></legend>
                    <p><?php esc_html_e('Content types', 'chinwag-live-chat'); ?></p>
                    <?php foreach ($chinwag_types as $chinwag_type) : ?>
                        <label>
                            <input type="checkbox" name="<?php echo esc_attr($chinwag_set); ?>[post_types][]" value="<?php echo esc_attr($chinwag_type->name); ?>" <?php checked(in_array($chinwag_type->name, $chinwag_rules['post_types'], true)); ?>>
                            <?php echo esc_html($chinwag_type->labels->name); ?>
                        </label>
                    <?php endforeach; ?>
                    <p>
                        <label for="chinwag-<?php echo esc_attr($chinwag_set); ?>-posts"><?php esc_html_e('Pages and posts (IDs or slugs, separated by commas)', 'chinwag-live-chat'); ?></label><br>
                        <input type="text" class="regular-text" id="chinwag-<?php echo esc_attr($chinwag_set); ?>-posts" name="<?php echo esc_attr($chinwag_set); ?>[posts]" value="<?php echo esc_attr(implode(', ', $chinwag_rules['posts'])); ?>">
                    </p>
                    <p>
                        <label for="chinwag-<?php echo esc_attr($chinwag_set); ?>-urls"><?php esc_html_e('Addresses (one a line; * matches anything, like /shop/*)', 'chinwag-live-chat'); ?></label><br>
                        <textarea class="large-text code" rows="3" id="chinwag-<?php echo esc_attr($chinwag_set); ?>-urls" name="<?php echo esc_attr($chinwag_set); ?>[urls]"><?php echo esc_textarea(implode("\n", $chinwag_rules['urls'])); ?></textarea>
                    </p>
                </fieldset>
            </td>
        </tr>
        <?php endforeach; ?>
        <tr>
            <th scope="row"><?php esc_html_e('Profile fields for agents', 'chinwag-live-chat'); ?></th>
            <td>
                <fieldset>
                    <legend class="screen-reader-text"><?php esc_html_e('Profile fields for agents', 'chinwag-live-chat'); ?></legend>
                    <p class="description"><?php esc_html_e('Logged-in users are always passed with their user id, name and email. These go to Chinwag too, from this server, when they sign in or their profile changes:', 'chinwag-live-chat'); ?></p>
                    <?php foreach ($chinwag_field_labels as $chinwag_field => $chinwag_label) : ?>
                        <label>
                            <input type="checkbox" name="profile_fields[]" value="<?php echo esc_attr($chinwag_field); ?>" <?php checked(in_array($chinwag_field, $chinwag_settings['profile_fields'], true)); ?>>
                            <?php echo esc_html($chinwag_label); ?>
                        </label>
                    <?php endforeach; ?>
                    <p>
                        <label for="chinwag-profile-meta"><?php esc_html_e('Other user fields (meta keys, separated by commas)', 'chinwag-live-chat'); ?></label><br>
                        <input type="text" class="regular-text code" id="chinwag-profile-meta" name="profile_meta" value="<?php echo esc_attr(implode(', ', $chinwag_meta_keys)); ?>">
                    </p>
                </fieldset>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Credit', 'chinwag-live-chat'); ?></th>
            <td>
                <label>
                    <input type="checkbox" name="powered_by" value="1" <?php checked($chinwag_settings['powered_by']); ?> <?php disabled(!$chinwag_can_manage); ?>>
                    <?php esc_html_e('Show "Powered by Chinwag" in the chat', 'chinwag-live-chat'); ?>
                </label>
                <?php if (!$chinwag_can_manage) : ?>
                    <p class="description"><?php esc_html_e('With a pasted website key, set this in the Chinwag dashboard.', 'chinwag-live-chat'); ?></p>
                <?php endif; ?>
            </td>
        </tr>
    </table>
    <?php submit_button(__('Save settings', 'chinwag-live-chat')); ?>
    </form>
</section>

<section class="chinwag-card" aria-labelledby="chinwag-shortcode-title">
    <h2 id="chinwag-shortcode-title"><?php esc_html_e('A chat button in your pages', 'chinwag-live-chat'); ?></h2>
    <p>
        <?php
        printf(
            /* translators: 1: the block's name, 2: a shortcode example. */
            esc_html__('Add the %1$s block, or the shortcode %2$s (style="link" for an inline link).', 'chinwag-live-chat'),
            '<strong>' . esc_html__('Open chat', 'chinwag-live-chat') . '</strong>',
            '<code>[chinwag_chat label="' . esc_html__('Chat with us', 'chinwag-live-chat') . '"]</code>'
        );
        ?>
    </p>
</section>

<section class="chinwag-card" aria-labelledby="chinwag-disconnect-title">
    <h2 id="chinwag-disconnect-title"><?php esc_html_e('Disconnect', 'chinwag-live-chat'); ?></h2>
    <p><?php esc_html_e('The chat stops showing on your site. Your conversations stay in Chinwag.', 'chinwag-live-chat'); ?></p>
    <?php Admin::form_start('disconnect', 'chinwag-disconnect'); ?>
    <?php submit_button(__('Disconnect', 'chinwag-live-chat'), 'delete', 'submit', false); ?>
    </form>
</section>
