/*
 * Chinwag chat for Shopify, the app embed's script (loaded deferred by Shopify). It loads
 * the Chinwag widget asynchronously, applies the theme editor's colour and position, has
 * the widget verify a logged-in customer (their identity hash comes from the app through
 * the app proxy, which Shopify signs; the page never holds a secret or a token), and,
 * when a logged-in customer writes in the chat, tells the team what is in their cart.
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
  if (d.side === 'left' || d.side === 'right') {
    // The widget takes its side from the website's settings; this moves it on this shop only.
    chat('on', 'ready', function () {
      var host = document.querySelector('chinwag-widget');
      var root = host && host.shadowRoot && host.shadowRoot.querySelector('.cw');
      if (root) root.classList.toggle('left', d.side === 'left');
    });
  }

  var script = document.createElement('script');
  script.src = d.src;
  script.async = true;
  script.dataset.websiteKey = d.key;
  var loaded = new Promise(function (resolve) {
    script.addEventListener('load', resolve);
  });
  document.head.appendChild(script);

  // Who the widget's stored session belongs to, so that a customer is verified once, not on every page.
  var mark = 'chinwag:shopify:' + d.key;
  var stored = function (value) {
    try {
      if (value === undefined) return localStorage.getItem(mark);
      if (value) localStorage.setItem(mark, value);
      else localStorage.removeItem(mark);
    } catch {
      // Storage refused: verify on each page instead.
    }
  };
  var customer = d.customer;
  var json = function (response) {
    return response.ok ? response.json() : {};
  };
  if (customer && stored() !== customer) {
    Promise.all([fetch(proxy + '/identity', { credentials: 'same-origin' }).then(json), loaded])
      .then(function (answer) {
        if (answer[0].userId) return window.Chinwag('identify', answer[0]);
      })
      .then(function () {
        stored(customer);
      })
      .catch(function () {});
  } else if (!customer && stored()) {
    // The customer logged out: their conversations must not stay on this browser.
    loaded.then(function () {
      stored(null);
      window.Chinwag('identify', null);
    });
  }
  chat('on', 'identify', function (e) {
    if (!e.userId) stored(null);
  });

  // The cart, when the customer types in the chat (keys typed inside the widget reach the page from its host element).
  var sent = '';
  var busy = false;
  document.addEventListener(
    'keydown',
    function (e) {
      if (!customer || busy || !e.target || e.target.localName !== 'chinwag-widget') return;
      busy = true;
      fetch('/cart.js', { credentials: 'same-origin' })
        .then(json)
        .then(function (cart) {
          var body = JSON.stringify({
            items: (cart.items || []).map(function (i) {
              return { title: i.title, quantity: i.quantity };
            }),
            total_price: cart.total_price,
            currency: cart.currency,
          });
          if (body === sent) return;
          sent = body;
          return fetch(proxy + '/cart', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json' },
            body: body,
          });
        })
        .catch(function () {})
        .then(function () {
          setTimeout(function () {
            busy = false;
          }, 3000);
        });
    },
    true,
  );
})();
