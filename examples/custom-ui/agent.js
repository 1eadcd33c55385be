// A bare agent inbox on @chinwag/sdk, to answer the custom chat: log in (the session is
// kept in localStorage and refreshed by the SDK), the queue live, one conversation open.
import { createAgentClient } from '@chinwag/sdk';

const $ = (id) => document.getElementById(id);
const api =
  new URLSearchParams(location.search).get('api') ?? localStorage.getItem('example:api') ?? 'http://127.0.0.1:8080/graphql';
const agent = createAgentClient({ url: api, storage: localStorage, onSessionChange: (s) => !s && showLogin() });
let current = null;
let stopRendering = () => {};

function showLogin() {
  $('inbox').hidden = true;
  $('login').hidden = false;
  $('login').elements.api.value = api;
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  localStorage.setItem('example:api', form.get('api'));
  try {
    if (form.get('api') !== api) location.reload();
    await agent.logIn(form.get('email'), form.get('password'));
    start();
  } catch (error) {
    $('login-error').textContent = `${error.code}: ${error.message}`;
  }
});

if (agent.session) start();
else showLogin();

async function start() {
  $('login').hidden = true;
  $('inbox').hidden = false;
  await agent.setAgentStatus('ONLINE');
  agent.onConnectionState((s) => ($('connection').textContent = s));
  // Live inbox: refetch the queue on any event, and after a reconnect (not replayed).
  agent.inboxEvents({ event: refreshQueue, resync: refreshQueue });
  refreshQueue();
}

async function refreshQueue() {
  const { nodes } = await agent.conversations({ first: 30, filter: { status: ['OPEN', 'PENDING'] } });
  $('queue').replaceChildren(
    ...nodes.map((c) => {
      const item = document.createElement('button');
      item.className = c.id === current?.id ? 'current' : '';
      item.textContent = c.visitor.name ?? `Visitor ${c.visitor.id.slice(-4)}`;
      const preview = document.createElement('small');
      preview.textContent = `${c.status.toLowerCase()} · ${c.lastMessagePreview ?? ''}`;
      item.append(preview);
      item.onclick = () => open(c.id);
      return item;
    }),
  );
}

function open(id) {
  stopRendering();
  current?.close();
  current = agent.openConversation(id);
  stopRendering = current.subscribe(render);
  refreshQueue();
}

function render(state) {
  const c = state.conversation;
  $('title').textContent = c ? (c.visitor.name ?? `Visitor ${c.visitor.id.slice(-4)}`) : 'Loading…';
  $('status').textContent = c ? `${c.status.toLowerCase()}${c.rating ? ` · rated ${c.rating}/5` : ''}` : '';
  $('resolve').hidden = !c || c.status === 'RESOLVED';
  $('typing').hidden = !state.typing.some((t) => t.senderKind === 'VISITOR');
  $('list').replaceChildren(
    ...state.messages.map((m) => {
      const li = document.createElement('li');
      li.textContent = m.body;
      li.className = [m.isPrivate ? 'note' : m.senderKind !== 'VISITOR' ? 'mine' : '', m.status].join(' ');
      return li;
    }),
  );
  $('messages').scrollTop = $('messages').scrollHeight;
  current.markRead().catch(() => {});
}

$('reply').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('input').value.trim();
  if (!text || !current) return;
  $('input').value = '';
  current.send(text, { isPrivate: $('note').checked }).catch(() => {});
});
$('input').addEventListener('input', () => current?.typing({ isPrivate: $('note').checked }));
$('resolve').addEventListener('click', () => current && agent.setConversationStatus(current.id, 'RESOLVED'));
