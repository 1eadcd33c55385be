<?php

/**
 * A failed API call: `kind` is the server's `extensions.code` (UNAUTHENTICATED,
 * FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, ...) or NETWORK_ERROR / BAD_RESPONSE when no
 * answer from Chinwag came back.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Api_Error extends \RuntimeException
{
    public function __construct(public readonly string $kind, string $message)
    {
        parent::__construct($message);
    }
}
