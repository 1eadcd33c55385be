//! The router's settings through the SDK, and a waiting visitor assigned when the
//! owner comes online.

use chinwag_sdk::{AgentStatus, Assignment, ErrorCode, Priority, RoutingSettingsPatch, VisitorClient};

use crate::helpers::*;

#[tokio::test]
async fn routing_settings_capacity_priority_and_an_assignment_through_the_sdk() {
    let server = spawn_server().await;
    let (owner, me, site) = organization(&server).await;
    let s = owner.routing_settings().await.unwrap();
    assert_eq!(
        (s.assignment, s.default_capacity, s.pending_counts, s.offline_grace_seconds, s.reassign_after_seconds, s.offer_seconds),
        (Assignment::Manual, 5, false, 60, 0, 0)
    );
    let patch = RoutingSettingsPatch { assignment: Some(Assignment::RoundRobin), default_capacity: Some(2), ..Default::default() };
    let s = owner.update_routing_settings(patch).await.unwrap();
    assert_eq!((s.assignment, s.default_capacity), (Assignment::RoundRobin, 2));
    let err = owner.update_routing_settings(RoutingSettingsPatch { default_capacity: Some(0), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::BadUserInput));
    assert_eq!(owner.set_agent_capacity(&me.id, 1).await.unwrap(), 1);

    // Nobody online: the visitor waits first in line; an urgent priority keeps it first.
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("anyone there?")).await.unwrap();
    let c = owner.set_conversation_priority(&conversation.id, Priority::Urgent).await.unwrap();
    assert_eq!((c.priority, c.queue_position, c.assignee_id.clone()), (Priority::Urgent, Some(1), None));

    // The owner comes online with a live connection: the chat is theirs.
    owner.set_agent_status(AgentStatus::Online).await.unwrap();
    let _inbox = owner.inbox_events();
    let mut assigned = None;
    for _ in 0..100 {
        let c = owner.conversation(&conversation.id).await.unwrap();
        if c.assignee_id.is_some() {
            assigned = Some(c);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let c = assigned.expect("assigned once the owner is online and connected");
    assert_eq!(c.assignee_id.as_deref(), Some(me.id.as_str()));
    assert_eq!((c.queue_position, c.routed_by.as_deref()), (None, Some("round robin")));
    let tagged = owner.set_conversation_tags(&conversation.id, &["Refund", "vip", "refund"]).await.unwrap();
    assert_eq!(tagged.tags, ["refund", "vip"]);
}

/// A visitor's own attributes and a website's deletion, through the SDK.
#[tokio::test]
async fn a_visitor_sets_its_attributes_and_a_deleted_website_ends_its_sessions() {
    let server = spawn_server().await;
    let (owner, _, site) = organization(&server).await;
    let visitor = VisitorClient::new(&server.url, &site.public_key);
    let conversation = visitor.start_conversation(Some("about my cart")).await.unwrap();
    let me = visitor.set_attributes(&[("cart_total", "42.50 EUR"), ("cart_items", "2")], &[]).await.unwrap();
    visitor.set_attributes(&[], &["cart_items"]).await.unwrap();
    let err = visitor.set_attributes(&[("bad key", "x")], &[]).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::BadUserInput));
    let seen = owner.conversation(&conversation.id).await.unwrap();
    assert_eq!(seen.visitor.id, me.id);

    owner.delete_website(&site.id).await.unwrap();
    let err = visitor.send_message(&conversation.id, "still there?").await.unwrap_err();
    assert!(matches!(err.code(), Some(ErrorCode::Unauthenticated | ErrorCode::NotFound)), "{err:?}");
    let err = owner.delete_website(&site.id).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::NotFound));
}
