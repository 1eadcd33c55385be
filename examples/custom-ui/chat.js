// A complete visitor chat on @chinwag/sdk alone: greeting, history for returning
// visitors, optimistic sends with retry, typing both ways, "Seen", rating, and a
// connection badge. Plain DOM so every SDK call is in plain sight.
import { createVisitorClient } from '@chinwag/sdk';

const $ = (id) => document.getElementById(id);

// Where to connect: ?api=...&key=... (remembered), or a small form.
const params = new URLSearchParams(location.search);
const api = params.get('api') ?? localStorage.getItem('example:api');
const key = params.get('key') ?? localStorage.getItem('example:key');
if (!key || !api) {
  $('setup').hidden = false;
  $('setup').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    localStorage.setItem('example:api', form.get('api'));
    localStorage.setItem('example:key', form.get('key'));
    location.reload();
  });
  throw new Error('not configured yet');
}
localStorage.setItem('example:api', api);
localStorage.setItem('example:key', key);

const chat = createVisitorClient({ url: api, websiteKey: key });
let conversation = null; // the LiveConversation being shown
let stopRendering = () => {};

// 1. Before any session exists: the website's look and whether someone is there.
const config = await chat.widgetConfig();
document.documentElement.style.setProperty('--accent', config.appearance.color);
document.title = $('site').textContent = config.websiteName;
$('availability').textContent = config.agentOnline ? 'We are online' : 'We will get back to you soon';
$('greeting').textContent = config.appearance.greeting;
$('chat').hidden = false;

// 2. The live connection, as a badge.
const showConnection = (state) => {
  $('connection').textContent = state;
  $('connection').className = `connection ${state}`;
};
chat.onConnectionState(showConnection);
showConnection(chat.connectionState());

// 3. A returning visitor continues their latest conversation.
if (chat.hasSession()) {
  const { nodes } = await chat.conversations({ first: 1 });
  if (nodes[0]) open(nodes[0].id);
}

function open(id) {
  stopRendering();
  conversation?.close();
  conversation = chat.openConversation(id);
  stopRendering = conversation.subscribe(render);
  render(conversation.state);
}

// 4. Rendering the conversation's state; called after every change.
function render(state) {
  const list = $('list');
  const nearBottom = $('messages').scrollHeight - $('messages').scrollTop - $('messages').clientHeight < 40;
  const agentRead = Math.max(0, ...state.readReceipts.filter((r) => r.readerKind !== 'VISITOR').map((r) => r.seq));
  const lastMine = state.messages.findLast((m) => m.senderKind === 'VISITOR' && m.status === 'sent');
  list.replaceChildren(
    ...state.messages.map((m) => {
      const li = document.createElement('li');
      li.textContent = m.body;
      li.className = [m.senderKind === 'VISITOR' ? 'mine' : '', m.status].join(' ');
      const meta = document.createElement('small');
      if (m.status === 'sending') meta.textContent = 'Sending…';
      else if (m.status === 'failed') {
        meta.textContent = `Not sent (${m.error?.code ?? 'error'})`;
        const retry = document.createElement('button');
        retry.textContent = 'Retry';
        retry.onclick = () => conversation.retry(m.key).catch(() => {});
        meta.append(retry);
      } else {
        const time = new Date(m.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
        meta.textContent = m === lastMine && agentRead >= m.seq ? `${time} · Seen` : time;
      }
      li.append(meta);
      return li;
    }),
  );
  $('typing').hidden = state.typing.length === 0;
  $('older').hidden = !state.hasOlder;
  if (state.error) $('availability').textContent = `Something went wrong: ${state.error.code}`;

  const c = state.conversation;
  $('rating').hidden = c?.status !== 'RESOLVED';
  if (c?.status === 'RESOLVED') renderRating(c);
  if (nearBottom) $('messages').scrollTop = $('messages').scrollHeight;
  if (document.hasFocus()) conversation.markRead().catch(() => {});
}

function renderRating(c) {
  if (c.rating != null) {
    $('rating').querySelector('p').textContent = `Thanks for rating us ${c.rating}/5!`;
    $('stars').replaceChildren();
    return;
  }
  $('stars').replaceChildren(
    ...[1, 2, 3, 4, 5].map((n) => {
      const star = document.createElement('button');
      star.textContent = '★';
      star.title = `${n} of 5`;
      star.onclick = () => chat.rateConversation(c.id, n).catch((e) => alert(e.message));
      return star;
    }),
  );
}

// 5. Sending: the first message starts the conversation; every send is optimistic.
$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('input').value.trim();
  if (!text) return;
  $('input').value = '';
  // (Writing into a resolved conversation reopens it; "Start a new conversation" clears it.)
  if (!conversation) open((await chat.startConversation()).id);
  conversation.send(text).catch(() => {}); // a failure shows as "Not sent" with Retry
});

// 6. Typing: every keystroke (the SDK throttles), stopped when the input empties.
$('input').addEventListener('input', () => ($('input').value ? conversation?.typing() : conversation?.stopTyping()));
$('input').addEventListener('blur', () => conversation?.stopTyping());

$('older').addEventListener('click', () => conversation?.loadOlder());
window.addEventListener('focus', () => conversation?.markRead().catch(() => {}));

$('again').addEventListener('click', () => {
  stopRendering();
  conversation?.close();
  conversation = null;
  $('list').replaceChildren();
  $('rating').hidden = true;
  $('input').focus();
});
