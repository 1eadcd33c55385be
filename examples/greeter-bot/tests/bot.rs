//! The bot against a real server: a visitor asks, the bot greets and answers from the
//! canned responses, then hands over to a person and falls silent.

use std::time::Duration;

use chinwag::config::Settings;
use chinwag::startup::Application;
use chinwag_sdk::{AgentClient, ConversationEvent, ConversationEvents, Message, SenderKind, VisitorClient, VisitorConversation};
use futures_util::StreamExt as _;
use greeter_bot::{Bot, Config};

const WAIT: Duration = Duration::from_secs(10);

/// The next message the visitor gets from the team (bot or person), skipping its own.
async fn next_reply(events: &mut ConversationEvents<VisitorConversation>) -> Message {
    loop {
        let event = tokio::time::timeout(WAIT, events.next()).await.expect("a message in time").expect("stream open").expect("no error");
        match event {
            ConversationEvent::Message(m) if m.sender_kind != SenderKind::Visitor => return m,
            _ => {}
        }
    }
}

/// A server with an organization: the owner's client and agent, a website with two
/// canned responses, and an API key for the bot.
struct Org {
    url: String,
    owner: AgentClient,
    ann: chinwag_sdk::Agent,
    site: chinwag_sdk::Website,
    key: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn organization() -> Org {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.data_dir = dir.path().to_path_buf();
    settings.limits.rate_limits = "off".into();
    let application = Application::build(settings).await.unwrap();
    let url = format!("http://127.0.0.1:{}", application.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    let owner = AgentClient::new(&url);
    let ann = owner.sign_up("Acme", "Ann", "ann@acme.test", "correct horse battery").await.unwrap();
    let site = owner.create_website("Acme shop", &[]).await.unwrap();
    owner.create_canned_response("shipping", "Shipping", "We ship worldwide within 3 days.").await.unwrap();
    owner.create_canned_response("returns", "Returns", "You have 30 days to return anything.").await.unwrap();
    let key = owner.create_api_key("greeter-bot").await.unwrap().secret;
    Org { url, owner, ann, site, key, _stop: stop, _dir: dir }
}

/// Starts the bot; the returned sender stops it.
fn start_bot(org: &Org) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<chinwag_sdk::Result<()>>) {
    let config = Config { handover_agent: Some(org.ann.id.clone()), ..Config::default() };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = tokio::spawn(Bot::new(AgentClient::with_api_key(&org.url, &org.key), config).run(async move {
        let _ = stopped.await;
    }));
    (stop, bot)
}

#[tokio::test]
async fn the_bot_greets_answers_and_hands_over_to_a_human() {
    let org = organization().await;
    let (url, owner, ann, site) = (&org.url, &org.owner, &org.ann, &org.site);
    let (stop_bot, bot) = start_bot(&org);
    // graphql-transport-ws does not acknowledge a subscribe: let the inbox register.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let visitor = VisitorClient::new(url, &site.public_key);
    let conversation = visitor.start_conversation(Some("Hi! Do you ship to Norway?")).await.unwrap();
    let first = visitor.messages(&conversation.id, 1, None).await.unwrap().messages.remove(0);
    let mut events = visitor.conversation_events(&conversation.id, Some(&first.id));

    let greeting = next_reply(&mut events).await;
    assert_eq!(greeting.sender_kind, SenderKind::Bot);
    assert!(greeting.body.contains("shipping") && greeting.body.contains("returns"), "{}", greeting.body);
    let answer = next_reply(&mut events).await;
    assert_eq!((answer.sender_kind, answer.body.as_str()), (SenderKind::Bot, "We ship worldwide within 3 days."));

    visitor.send_message(&conversation.id, "And what about returns?").await.unwrap();
    assert_eq!(next_reply(&mut events).await.body, "You have 30 days to return anything.");

    visitor.send_message(&conversation.id, "Thanks. Can I talk to a human?").await.unwrap();
    let handover = next_reply(&mut events).await;
    assert_eq!(handover.sender_kind, SenderKind::Bot);
    assert!(handover.body.contains("handing you over"), "{}", handover.body);
    let assigned = tokio::time::timeout(WAIT, async {
        loop {
            let c = owner.conversation(&conversation.id).await.unwrap();
            if c.assignee_id.is_some() {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(assigned.assignee_id.as_deref(), Some(ann.id.as_str()));

    // From now on the person answers; the bot stays out of it.
    visitor.send_message(&conversation.id, "Also, do you ship to Sweden?").await.unwrap();
    let ann_reply = owner.send_message(&conversation.id, "Hi, Ann here: yes, Sweden too.").await.unwrap();
    assert_eq!(next_reply(&mut events).await.id, ann_reply.id);
    let quiet = tokio::time::timeout(Duration::from_millis(500), next_reply(&mut events)).await;
    assert!(quiet.is_err(), "the bot answered after the handover: {quiet:?}");

    let _ = stop_bot.send(());
    tokio::time::timeout(WAIT, bot).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_conversation_that_arrived_while_the_bot_was_away_is_answered_once_at_start() {
    let org = organization().await;
    let visitor = VisitorClient::new(&org.url, &org.site.public_key);
    let conversation = visitor.start_conversation(Some("Can I return a gift?")).await.unwrap();

    // Started twice in a row (a restart): the replies' keys make the second a no-op.
    for _ in 0..2 {
        let (stop_bot, bot) = start_bot(&org);
        let deadline = tokio::time::Instant::now() + WAIT;
        while org.owner.messages(&conversation.id, 50, None).await.unwrap().messages.len() < 3 {
            assert!(tokio::time::Instant::now() < deadline, "the bot did not catch up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = stop_bot.send(());
        tokio::time::timeout(WAIT, bot).await.unwrap().unwrap().unwrap();
    }
    let messages = org.owner.messages(&conversation.id, 50, None).await.unwrap().messages;
    let kinds: Vec<_> = messages.iter().map(|m| m.sender_kind).collect();
    assert_eq!(kinds, [SenderKind::Visitor, SenderKind::Bot, SenderKind::Bot]);
    assert_eq!(messages[2].body, "You have 30 days to return anything.");
}
