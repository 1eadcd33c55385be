<?php

/**
 * Deleting the plugin removes what it stored on this site (on every site of a network):
 * its settings, its secrets (the identity secret and API key), its status and any export
 * being built. Conversations stay in Chinwag; the site's API key is revoked from the
 * Chinwag dashboard (the plugin keeps no session that could revoke it).
 */

defined('WP_UNINSTALL_PLUGIN') || exit;

require_once __DIR__ . '/includes/class-options.php';

if (is_multisite()) {
    foreach (get_sites(['fields' => 'ids', 'number' => 0]) as $chinwag_site) {
        switch_to_blog($chinwag_site);
        Chinwag\LiveChat\Options::delete_all();
        restore_current_blog();
    }
} else {
    Chinwag\LiveChat\Options::delete_all();
}
