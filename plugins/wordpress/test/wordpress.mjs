/**
 * The WordPress the plugin's tests run on: Debian's `wordpress` package (6.1) copied into
 * a temporary folder, on a private MariaDB (its own data directory and a free port; the
 * machine's own database servers are never touched) and PHP's built-in server (the Apache
 * the package pulls in is never started). WP_HTTP_BLOCK_EXTERNAL keeps every request on
 * this machine, WP_DEBUG logs to a file the tests read. `php(code)` runs PHP inside that
 * WordPress, from the command line, for what a test sets up or reads behind the pages.
 */
import { spawn, execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, until } from '../../../sdk-js/test/server.mjs';

const run = promisify(execFile);

/** Where Debian's package puts WordPress and its themes. */
const DEBIAN_WORDPRESS = '/usr/share/wordpress';
const DEBIAN_THEMES = '/usr/share/wordpress/wp-content/themes';

export const ADMIN = { login: 'admin', password: 'admin-password-1', email: 'admin@shop.test' };

/** A process that must be stopped at the end; resolves once it has exited. */
function child(command, args, options) {
  // A process group of its own: PHP's server forks workers, which must end with it.
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    proc,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const signal = (name) => {
        try {
          process.kill(-proc.pid, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A private MariaDB server: its own data directory under `dir`, on a free port. */
async function startMariaDb(dir) {
  const data = join(dir, 'db');
  const socket = join(dir, 'mysqld.sock');
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    ...user,
  ]);
  const port = await freePort();
  const server = child('mariadbd', [
    '--no-defaults',
    `--datadir=${data}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    '--skip-log-bin',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=32M',
    ...user,
  ]);
  const client = (sql) => run('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-e', sql]);
  await until(
    () => {
      if (server.proc.exitCode !== null) throw new Error(`mariadbd exited:\n${server.log()}`);
      return client('select 1').then(
        () => true,
        () => false,
      );
    },
    'the private MariaDB to answer',
    30_000,
  );
  await client('create database wordpress');
  return { port, sql: async (q) => (await client(`use wordpress; ${q}`)).stdout, stop: server.stop };
}

const wpConfig = ({ dbPort, origin, dir }) => `<?php
// Written by the plugin's tests: a throwaway site on a private MariaDB.
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '127.0.0.1:${dbPort}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', '${origin}');
define('WP_SITEURL', '${origin}');
define('AUTH_KEY', 'test-auth-key');
define('SECURE_AUTH_KEY', 'test-secure-auth-key');
define('LOGGED_IN_KEY', 'test-logged-in-key');
define('NONCE_KEY', 'test-nonce-key');
define('AUTH_SALT', 'test-auth-salt');
define('SECURE_AUTH_SALT', 'test-secure-auth-salt');
define('LOGGED_IN_SALT', 'test-logged-in-salt');
define('NONCE_SALT', 'test-nonce-salt');
define('WP_DEBUG', true);
define('WP_DEBUG_LOG', '${join(dir, 'debug.log')}');
define('WP_DEBUG_DISPLAY', false);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
define('FS_METHOD', 'direct');
define('WP_DISABLE_FATAL_ERROR_HANDLER', true);
$table_prefix = 'wp_';
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
`;

/**
 * A must-use plugin that writes down every PHP error, warning, notice or deprecation whose
 * call stack passes through the Chinwag plugin (core's own PHP 8.2 deprecations, which
 * WP_DEBUG logs too, are not the plugin's), and fatal errors in its files.
 */
const pluginErrors = (log) => `<?php
// Written by the Chinwag plugin's tests.
function chinwag_test_record($message) {
    file_put_contents('${log}', $message . "\\n", FILE_APPEND);
}
set_error_handler(function ($level, $message, $file, $line) {
    // WordPress 6.1's own classes declared without PHP 8.1's return types (Requests, loaded
    // on the plugin's first HTTP call): core's deprecation, whoever loads them first.
    if (str_starts_with($message, 'Return type of ') && str_contains($file, '/wp-includes/')) {
        return false;
    }
    foreach (array_merge([['file' => $file, 'line' => $line]], debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS)) as $frame) {
        if (str_contains($frame['file'] ?? '', '/plugins/chinwag-live-chat/')) {
            chinwag_test_record("[$level] $message in $file:$line (via {$frame['file']}:{$frame['line']})");
            break;
        }
    }
    return false;
});
register_shutdown_function(function () {
    $e = error_get_last();
    if ($e && in_array($e['type'], [E_ERROR, E_PARSE, E_COMPILE_ERROR, E_CORE_ERROR], true) && str_contains($e['file'], '/plugins/chinwag-live-chat/')) {
        chinwag_test_record("[fatal] {$e['message']} in {$e['file']}:{$e['line']}");
    }
});
`;

/**
 * Installs and starts WordPress. Resolves to `{ origin, dir, php, sql, debugLog, stop }`:
 * `php(code)` runs `code` inside WordPress (after wp-load.php) and resolves to what it
 * printed; `sql(query)` queries its database.
 */
export async function startWordPress() {
  for (const path of [DEBIAN_WORDPRESS, join(DEBIAN_THEMES, 'twentytwentythree')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install wordpress wordpress-theme-twentytwentythree`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'chinwag-wordpress-'));
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const db = await startMariaDb(dir);
    stops.push(db.stop);

    const root = join(dir, 'wp');
    // Dereference Debian's symlinks (.htaccess, the theme) so this copy is self-contained.
    cpSync(DEBIAN_WORDPRESS, root, { recursive: true, dereference: true });
    mkdirSync(join(root, 'wp-content', 'themes'), { recursive: true });
    cpSync(join(DEBIAN_THEMES, 'twentytwentythree'), join(root, 'wp-content', 'themes', 'twentytwentythree'), {
      recursive: true,
      dereference: true,
    });
    mkdirSync(join(root, 'wp-content', 'uploads'), { recursive: true });
    mkdirSync(join(root, 'wp-content', 'mu-plugins'), { recursive: true });
    writeFileSync(join(root, 'wp-content', 'mu-plugins', 'plugin-errors.php'), pluginErrors(join(dir, 'plugin-errors.log')));
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    writeFileSync(join(root, 'wp-config.php'), wpConfig({ dbPort: db.port, origin, dir }));

    const read = (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');
    const debugLog = () => read('debug.log');
    const php = async (code, { installing = false } = {}) => {
      const file = join(dir, `run-${Date.now()}-${Math.random().toString(36).slice(2)}.php`);
      writeFileSync(
        file,
        `<?php\n$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}';\n$_SERVER['REQUEST_URI'] = '/';\n${installing ? "define('WP_INSTALLING', true);\n" : ''}require '${root}/wp-load.php';\n${code}\n`,
      );
      try {
        return (await run('php', [file], { cwd: root })).stdout;
      } catch (e) {
        throw new Error(`${e.message}\n${e.stdout}\nWP_DEBUG's log ends:\n${debugLog().slice(-3000)}`);
      } finally {
        await rm(file, { force: true });
      }
    };

    await php(
      `
      require_once ABSPATH . 'wp-admin/includes/upgrade.php';
      wp_install('Corner Shop', '${ADMIN.login}', '${ADMIN.email}', true, '', '${ADMIN.password}');
      switch_theme('twentytwentythree');
    `,
      { installing: true },
    );
    // The installer's attempts to reach the translation service (blocked) are not the plugin's.
    rmSync(join(dir, 'debug.log'), { force: true });

    // PHP's own server, with a few workers: a page and the requests it triggers at once.
    const web = child('php', ['-S', `127.0.0.1:${port}`, '-t', root], {
      cwd: root,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
    });
    stops.push(web.stop);
    await until(
      async () => {
        if (web.proc.exitCode !== null) throw new Error(`php -S exited:\n${web.log()}`);
        return fetch(`${origin}/wp-login.php`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'WordPress to answer',
      20_000,
    );
    return {
      origin,
      dir,
      root,
      php,
      sql: db.sql,
      debugLog,
      pluginErrors: () => read('plugin-errors.log'),
      serverLog: web.log,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
