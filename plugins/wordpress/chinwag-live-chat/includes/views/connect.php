<?php

/**
 * The settings page before connecting: an account (sign in, or create one) or a pasted
 * website key. Rendered by Admin::page(), which checked the capability.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

$chinwag_site = get_bloginfo('name');
?>
<p class="chinwag-intro">
    <?php esc_html_e('Chat with your visitors live. Connect this site to your Chinwag server: the chat then shows on your pages, and logged-in users are recognised.', 'chinwag-live-chat'); ?>
</p>

<div class="chinwag-card">
    <h2><?php esc_html_e('Connect to Chinwag', 'chinwag-live-chat'); ?></h2>
    <?php Admin::form_start('connect', 'chinwag-connect'); ?>
    <table class="form-table" role="presentation">
        <tr>
            <th scope="row"><label for="chinwag-server"><?php esc_html_e('Chinwag server', 'chinwag-live-chat'); ?></label></th>
            <td>
                <input type="url" id="chinwag-server" name="server_url" class="regular-text" required placeholder="https://chat.example.com">
                <p class="description"><?php esc_html_e('The address where your Chinwag server runs.', 'chinwag-live-chat'); ?></p>
            </td>
        </tr>
        <tr>
            <th scope="row"><?php esc_html_e('Account', 'chinwag-live-chat'); ?></th>
            <td>
                <fieldset>
                    <legend class="screen-reader-text"><?php esc_html_e('Account', 'chinwag-live-chat'); ?></legend>
                    <label><input type="radio" name="account" value="login" checked> <?php esc_html_e('Sign in to my Chinwag account', 'chinwag-live-chat'); ?></label><br>
                    <label><input type="radio" name="account" value="signup"> <?php esc_html_e('Create a Chinwag account', 'chinwag-live-chat'); ?></label>
                </fieldset>
            </td>
        </tr>
        <tr class="chinwag-signup">
            <th scope="row"><label for="chinwag-name"><?php esc_html_e('Your name', 'chinwag-live-chat'); ?></label></th>
            <td>
                <input type="text" id="chinwag-name" name="name" class="regular-text" autocomplete="name">
                <p class="description"><?php esc_html_e('New accounts only: the name your visitors see when you answer.', 'chinwag-live-chat'); ?></p>
            </td>
        </tr>
        <tr class="chinwag-signup">
            <th scope="row"><label for="chinwag-organization"><?php esc_html_e('Business name', 'chinwag-live-chat'); ?></label></th>
            <td><input type="text" id="chinwag-organization" name="organization" class="regular-text" value="<?php echo esc_attr($chinwag_site); ?>"></td>
        </tr>
        <tr>
            <th scope="row"><label for="chinwag-email"><?php esc_html_e('Email', 'chinwag-live-chat'); ?></label></th>
            <td><input type="email" id="chinwag-email" name="email" class="regular-text" required autocomplete="username"></td>
        </tr>
        <tr>
            <th scope="row"><label for="chinwag-password"><?php esc_html_e('Password', 'chinwag-live-chat'); ?></label></th>
            <td>
                <input type="password" id="chinwag-password" name="password" class="regular-text" required autocomplete="current-password">
                <p class="description"><?php esc_html_e('Used once, to connect; never stored. New accounts: 8 characters or more.', 'chinwag-live-chat'); ?></p>
            </td>
        </tr>
        <tr>
            <th scope="row"><label for="chinwag-website"><?php esc_html_e('Website in Chinwag', 'chinwag-live-chat'); ?></label></th>
            <td>
                <input type="text" id="chinwag-website" name="website_name" class="regular-text" value="<?php echo esc_attr($chinwag_site); ?>">
                <p class="description">
                    <?php
                    printf(
                        /* translators: %s: this site's address, like https://shop.example. */
                        esc_html__('The Chinwag website that allows %s is used; otherwise the one with this name, or a new one is created.', 'chinwag-live-chat'),
                        '<code>' . esc_html(Connect::site_origin()) . '</code>'
                    );
                    ?>
                </p>
            </td>
        </tr>
    </table>
    <?php submit_button(__('Connect', 'chinwag-live-chat')); ?>
    </form>
</div>

<details class="chinwag-card chinwag-manual">
    <summary><?php esc_html_e('Or paste a website key', 'chinwag-live-chat'); ?></summary>
    <p><?php esc_html_e('For a website you set up in the Chinwag dashboard. The identity secret (to recognise logged-in users) and an API key (for privacy requests) are optional.', 'chinwag-live-chat'); ?></p>
    <?php Admin::form_start('connect_key'); ?>
    <table class="form-table" role="presentation">
        <tr>
            <th scope="row"><label for="chinwag-key-server"><?php esc_html_e('Chinwag server', 'chinwag-live-chat'); ?></label></th>
            <td><input type="url" id="chinwag-key-server" name="server_url" class="regular-text" required placeholder="https://chat.example.com"></td>
        </tr>
        <tr>
            <th scope="row"><label for="chinwag-website-key"><?php esc_html_e('Website key', 'chinwag-live-chat'); ?></label></th>
            <td><input type="text" id="chinwag-website-key" name="website_key" class="regular-text code" required placeholder="wk_..."></td>
        </tr>
        <tr>
            <th scope="row"><label for="chinwag-identity-secret"><?php esc_html_e('Identity secret', 'chinwag-live-chat'); ?></label></th>
            <td><input type="password" id="chinwag-identity-secret" name="identity_secret" class="regular-text code" autocomplete="off"></td>
        </tr>
        <tr>
            <th scope="row"><label for="chinwag-api-key"><?php esc_html_e('API key', 'chinwag-live-chat'); ?></label></th>
            <td>
                <input type="password" id="chinwag-api-key" name="api_key" class="regular-text code" autocomplete="off">
                <p class="description"><?php esc_html_e('Scopes: VISITORS_EXPORT and VISITORS_ERASE for privacy requests, VISITORS_WRITE for profile fields; limited to this website.', 'chinwag-live-chat'); ?></p>
            </td>
        </tr>
    </table>
    <?php submit_button(__('Use this key', 'chinwag-live-chat'), 'secondary'); ?>
    </form>
</details>
