<?php

/**
 * A small client for the Chinwag server's public GraphQL API (POST /graphql), over
 * WordPress's HTTP API so that the site's proxy settings and WP_HTTP_BLOCK_EXTERNAL apply.
 * Errors come back as Api_Error with the server's `extensions.code` (UNAUTHENTICATED,
 * FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, ...) or NETWORK_ERROR / BAD_RESPONSE.
 */

namespace Chinwag\LiveChat;

defined('ABSPATH') || exit;

final class Api
{
    /** Seconds a call may take; the API answers in milliseconds, a slow one is a problem. */
    private const TIMEOUT = 10;

    public function __construct(
        private readonly string $server,
        private readonly string $token = '',
        private readonly int $timeout = self::TIMEOUT
    ) {
    }

    /**
     * The server's base address from what an owner typed: http(s) only, without a trailing
     * slash, and without `/graphql` or `/app/` if they pasted one of those. Null if unusable.
     */
    public static function normalize_server(string $url): ?string
    {
        $url = trim($url);
        if ('' === $url) {
            return null;
        }
        if (!preg_match('#^https?://#i', $url)) {
            $url = 'https://' . $url;
        }
        $parts = wp_parse_url($url);
        if (!is_array($parts) || empty($parts['host']) || isset($parts['user']) || isset($parts['query'])) {
            return null;
        }
        $path = preg_replace('#/(graphql|app|app/.*|widget\.js)$#', '', rtrim($parts['path'] ?? '', '/'));
        $port = isset($parts['port']) ? ':' . (int) $parts['port'] : '';
        return strtolower($parts['scheme']) . '://' . strtolower($parts['host']) . $port . $path;
    }

    public function widget_url(): string
    {
        return $this->server . '/widget.js';
    }

    public function dashboard_url(): string
    {
        return $this->server . '/app/';
    }

    /**
     * Runs one operation; returns its `data`. Throws Api_Error on any error, so a caller
     * never mistakes a partial answer for success.
     */
    public function request(string $query, array $variables = []): array
    {
        $headers = ['Content-Type' => 'application/json', 'Accept' => 'application/json'];
        if ('' !== $this->token) {
            $headers['Authorization'] = 'Bearer ' . $this->token;
        }
        $response = wp_remote_post($this->server . '/graphql', [
            'timeout' => $this->timeout,
            'redirection' => 0,
            'headers' => $headers,
            'body' => wp_json_encode(['query' => $query, 'variables' => (object) $variables]),
            'user-agent' => 'chinwag-live-chat/' . CHINWAG_VERSION . '; WordPress/' . get_bloginfo('version'),
        ]);
        if (is_wp_error($response)) {
            throw new Api_Error('NETWORK_ERROR', $response->get_error_message());
        }
        $status = (int) wp_remote_retrieve_response_code($response);
        $body = json_decode(wp_remote_retrieve_body($response), true);
        if (!is_array($body)) {
            /* translators: %d: an HTTP status code. */
            $message = sprintf(__('The server answered HTTP %d, not Chinwag\'s API.', 'chinwag-live-chat'), $status);
            throw new Api_Error('BAD_RESPONSE', $message);
        }
        if (!empty($body['errors'])) {
            $error = $body['errors'][0];
            $code = $error['extensions']['code'] ?? (401 === $status ? 'UNAUTHENTICATED' : 'INTERNAL');
            throw new Api_Error((string) $code, (string) ($error['message'] ?? $code));
        }
        if (!isset($body['data']) || !is_array($body['data'])) {
            throw new Api_Error('BAD_RESPONSE', __('The server answered without data.', 'chinwag-live-chat'));
        }
        return $body['data'];
    }

    /** Downloads a file the API linked to (a path on this server, or an absolute address on it). */
    public function download(string $url): string
    {
        if (str_starts_with($url, '/')) {
            $origin = wp_parse_url($this->server);
            $port = isset($origin['port']) ? ':' . $origin['port'] : '';
            $url = $origin['scheme'] . '://' . $origin['host'] . $port . $url;
        } elseif (!str_starts_with($url, $this->server . '/')) {
            throw new Api_Error('BAD_RESPONSE', __('The archive is not on the Chinwag server.', 'chinwag-live-chat'));
        }
        $headers = '' !== $this->token ? ['Authorization' => 'Bearer ' . $this->token] : [];
        $response = wp_remote_get($url, ['timeout' => 30, 'redirection' => 0, 'headers' => $headers]);
        if (is_wp_error($response)) {
            throw new Api_Error('NETWORK_ERROR', $response->get_error_message());
        }
        if (200 !== (int) wp_remote_retrieve_response_code($response)) {
            /* translators: %d: an HTTP status code. */
            $message = sprintf(__('The archive could not be fetched (HTTP %d).', 'chinwag-live-chat'), (int) wp_remote_retrieve_response_code($response));
            throw new Api_Error('BAD_RESPONSE', $message);
        }
        return wp_remote_retrieve_body($response);
    }
}
