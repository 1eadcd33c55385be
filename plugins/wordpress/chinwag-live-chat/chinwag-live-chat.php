<?php

/**
 * Plugin Name:       Chinwag Live Chat
 * Description:       Live chat with your visitors through your Chinwag server: connect in a minute, recognise logged-in customers, answer privacy requests.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Chinwag
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       chinwag-live-chat
 * Domain Path:       /languages
 *
 * The plugin's entry point: loads its parts and hooks them in. Each part owns one concern:
 * options (what is stored, and what is autoloaded), the GraphQL client, connecting, the
 * settings page, the widget on public pages, privacy tools, the button and block.
 */

defined('ABSPATH') || exit;

const CHINWAG_VERSION = '0.1.0';
const CHINWAG_FILE = __FILE__;

require_once __DIR__ . '/includes/class-options.php';
require_once __DIR__ . '/includes/class-api-error.php';
require_once __DIR__ . '/includes/class-api.php';
require_once __DIR__ . '/includes/class-connect.php';
require_once __DIR__ . '/includes/class-rules.php';
require_once __DIR__ . '/includes/class-widget.php';
require_once __DIR__ . '/includes/class-identity.php';
require_once __DIR__ . '/includes/class-button.php';
require_once __DIR__ . '/includes/class-privacy.php';

add_action(
    'init',
    static fn () => load_plugin_textdomain('chinwag-live-chat', false, dirname(plugin_basename(CHINWAG_FILE)) . '/languages')
);
Chinwag\LiveChat\Widget::register();
Chinwag\LiveChat\Identity::register();
Chinwag\LiveChat\Button::register();
Chinwag\LiveChat\Privacy::register();

if (is_admin()) {
    require_once __DIR__ . '/includes/class-admin.php';
    Chinwag\LiveChat\Admin::register();
}
