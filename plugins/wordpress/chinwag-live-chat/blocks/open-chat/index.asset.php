<?php

// The editor script's dependencies (WordPress reads this file beside index.js).
defined('ABSPATH') || exit;

return [
    'dependencies' => ['wp-blocks', 'wp-element', 'wp-block-editor', 'wp-components', 'wp-i18n'],
    'version' => '0.1.0',
];
