/*
 * Chinwag chat for Shopify, the app embed's script (loaded deferred by Shopify). It loads
 * the Chinwag widget asynchronously, applies the theme editor's colour and position, has
 * the widget verify a logged-in customer (their identity hash comes from the app through
 * the app proxy, which Shopify signs; the page never holds a secret or a token), and,
 * when any visitor opens the chat or writes in it, tells the team what is in their cart.
 */
(function () {
  var config = document.getElementById('chinwag-shopify');
  if (!config || window.ChinwagShopify) return;
  window.ChinwagShopify = true;
  var d = config.dataset;
  var proxy = '/apps/chinwag';
  var chat = (window.Chinwag =
    window.Chinwag ||
    function () {
      (chat.q = chat.q || []).push(arguments);
    });

  // The theme editor's look: the widget's documented custom properties.
  var css = '';
  if (/^#[0-9a-f]{6}$/i.test(d.color)) {
    var n = parseInt(d.color.slice(1), 16);
    var light = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255) > 160;
    css += '--chinwag-accent:' + d.color + ';--chinwag-accent-text:' + (light ? '#1f2328' : '#fff') + ';';
  }
  if (/^\d+$/.test(d.x)) css += '--chinwag-offset-x:' + d.x + 'px;';
  if (/^\d+$/.test(d.y)) css += '--chinwag-offset-y:' + d.y + 'px;';
  if (css) {
    var style = document.createElement('style');
    style.textContent = 'chinwag-widget{' + css + '}';
    document.head.appendChild(style);
  }
  var script = document.createElement('script');
  script.src = d.src;
  script.async = true;
  script.dataset.websiteKey = d.key;
  // The widget takes its side from the website's settings; this moves it on this shop only.
  if (d.side === 'left' || d.side === 'right') script.dataset.position = d.side;
  var loaded = new Promise(function (resolve) {
    script.addEventListener('load', resolve);
  });
  document.head.appendChild(script);

  // Who the widget's stored session belongs to, so that a customer is verified once, not on every page.
  var mark = 'chinwag:shopify:' + d.key;
  var cartMark = mark + ':cart';
  /** Reads `k`, or writes `value` (null removes it); storage refused: verify on each page instead. */
  var keep = function (k, value) {
    try {
      if (value === undefined) return localStorage.getItem(k);
      if (value) localStorage.setItem(k, value);
      else localStorage.removeItem(k);
    } catch {
      // nothing kept
    }
  };
  var customer = d.customer;
  var json = function (response) {
    return response.ok ? response.json() : {};
  };
  if (customer && keep(mark) !== customer) {
    Promise.all([fetch(proxy + '/identity', { credentials: 'same-origin' }).then(json), loaded])
      .then(function (answer) {
        if (answer[0].userId) return window.Chinwag('identify', answer[0]);
      })
      .then(function () {
        keep(mark, customer);
      })
      .catch(function () {});
  } else if (!customer && keep(mark)) {
    // The customer logged out: their conversations must not stay on this browser.
    loaded.then(function () {
      keep(mark, null);
      window.Chinwag('identify', null);
    });
  }

  // The cart, for every visitor, when the chat opens and when they write: the widget sets it
  // as the visitor's own attributes (the browser's report, and the team sees it as such).
  // Only a change is sent. The cart mark says a cart was sent, so that a cart emptied on a
  // later page is removed, while a visitor who never had one costs no request.
  var reported = keep(cartMark) ? '' : 'empty';
  var queue = Promise.resolve();
  var reportCart = function () {
    queue = queue
      .then(function () {
        return fetch('/cart.js', { credentials: 'same-origin' }).then(json);
      })
      .then(function (cart) {
        if (!Array.isArray(cart.items)) return;
        var count = 0;
        var text = cart.items
          .map(function (i) {
            count += i.quantity;
            return i.quantity + ' × ' + i.title;
          })
          .join(', ');
        var values = count
          ? {
              cart_items: text.length > 500 ? text.slice(0, 499) + '…' : text,
              cart_count: String(count),
              cart_total: (cart.total_price / 100).toFixed(2) + ' ' + cart.currency,
            }
          : { cart_items: null, cart_count: null, cart_total: null };
        var next = count ? JSON.stringify(values) : 'empty';
        if (next === reported) return;
        reported = next;
        keep(cartMark, count ? '1' : null);
        return window.Chinwag('set', values);
      })
      .catch(function () {
        reported = '';
      });
  };
  chat('on', 'open', reportCart);
  chat('on', 'send', reportCart);
  chat('on', 'identify', function (e) {
    // Another visitor now (logged in or out): the next report is theirs, in full.
    reported = '';
    if (!e.userId) keep(mark, null);
  });
})();
