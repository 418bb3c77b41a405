//! The agent's own records for the damaged-pages target: trajectories with steps, cross
//! references and contradictions between the corpus's policies and nodes, conversations with
//! messages, and prompt usages; written beside the documents, then read every way (and written
//! to) in each damaged copy. Errors are fine there; panics and hangs are not.

use std::collections::BTreeMap;

use treestore_core::document::gen;
use treestore_core::metadata::{
    Contradiction, ContradictionQuery, CrossReference, CrossReferenceQuery, Direction,
    MetadataStore, ReferenceType, ResolutionStatus, Severity, Trajectory, TrajectoryStep,
};
use treestore_core::prompt::{
    Conversation, ConversationQuery, Message, PromptStore, PromptUsage, Role, UsageQuery,
};
use treestore_core::Database;

/// Trajectories, conversations and prompt usages stored.
const RUNS: usize = 12;

fn step(run: usize, n: u32, node: &str) -> TrajectoryStep {
    TrajectoryStep {
        step_number: n,
        tool_name: Some(["get_node", "search", "expand"][n as usize % 3].into()),
        action: format!("read {node}"),
        observation: format!("run {run} saw {} bytes of {node}", 100 * n),
        thought: "the section on access review is relevant".into(),
        timestamp: gen::BASE_TIME + (run * 100) as i64 + i64::from(n),
    }
}

/// Writes every kind of agent record about `policies` (each with its node ids).
pub fn fill(db: &Database, policies: &[(String, Vec<String>)]) {
    let meta = MetadataStore(db);
    let prompts = PromptStore(db);
    for run in 0..RUNS {
        let (policy, ids) = &policies[run % policies.len()];
        let (other, other_ids) = &policies[(run + 1) % policies.len()];
        let node = &ids[run % ids.len()];
        let trajectory = Trajectory {
            trajectory_id: format!("t{run}"),
            case_id: format!("case{}", run % 4),
            steps: (1..=5).map(|n| step(run, n, node)).collect(),
            started_at: gen::BASE_TIME + (run * 100) as i64,
            completed_at: (run % 3 != 0).then_some(gen::BASE_TIME + (run * 100 + 99) as i64),
        };
        meta.store_trajectory(trajectory).expect("trajectory");
        let reference = CrossReference {
            source_policy_id: policy.clone(),
            source_node_id: Some(node.clone()),
            target_policy_id: other.clone(),
            target_node_id: (run % 2 == 0).then(|| other_ids[run % other_ids.len()].clone()),
            reference_type: [ReferenceType::Cites, ReferenceType::SeeAlso][run % 2],
            context: Some(format!("as section {run} of {other} says")),
            created_at: gen::BASE_TIME + run as i64,
        };
        meta.store_cross_reference(reference)
            .expect("cross reference");
        let contradiction = Contradiction {
            contradiction_id: format!("c{run}"),
            policy_a: policy.clone(),
            node_a: Some(node.clone()),
            policy_b: other.clone(),
            node_b: Some(other_ids[0].clone()),
            description: format!("retention periods differ ({run})"),
            severity: [Severity::Low, Severity::Medium, Severity::High][run % 3],
            detected_at: gen::BASE_TIME + run as i64,
            ..Contradiction::default()
        };
        meta.store_contradiction(contradiction)
            .expect("contradiction");
        fill_conversation(&prompts, run, policy);
        let usage = PromptUsage {
            usage_id: format!("u{run}"),
            prompt_name: "navigate".into(),
            prompt_version: 1 + (run % 3) as u32,
            variables: BTreeMap::from([("policy".to_string(), policy.clone())]),
            response: format!("open {node}"),
            latency_ms: 10 * run as u64,
            score: (run % 2 == 0).then_some(0.5),
            case_id: Some(format!("case{}", run % 4)),
            ..PromptUsage::default()
        };
        prompts.record_prompt_usage(usage).expect("prompt usage");
    }
    meta.resolve_contradiction("c1", ResolutionStatus::Resolved, Some("v3 supersedes"))
        .expect("resolve");
}

fn fill_conversation(prompts: &PromptStore<'_>, run: usize, policy: &str) {
    let conversation = Conversation {
        id: format!("conv{run}"),
        user_id: format!("user{}", run % 3),
        title: format!("questions on {policy}"),
        tags: vec![["audit", "legal"][run % 2].into()],
        created_at: gen::BASE_TIME + run as i64,
        ..Conversation::default()
    };
    prompts
        .create_conversation(conversation)
        .expect("conversation");
    for (k, role) in [Role::User, Role::Assistant, Role::User]
        .into_iter()
        .enumerate()
    {
        let message = Message {
            id: format!("m{run}-{k}"),
            conversation_id: format!("conv{run}"),
            role,
            content: format!("message {k} about {policy}"),
            ..Message::default()
        };
        prompts.add_message(message).expect("message");
    }
}

/// Checks on the undamaged database that [`read`] asks for records that exist, so that the
/// damaged copies' reads reach them.
pub fn check_present(db: &Database, policies: &[(String, Vec<String>)]) {
    let meta = MetadataStore(db);
    let prompts = PromptStore(db);
    let t1 = meta.trajectory("t1").expect("read").expect("t1");
    assert_eq!(t1.steps.len(), 5);
    assert_eq!(
        meta.trajectories("case1", 0, None)
            .expect("read")
            .items
            .len(),
        3
    );
    let outgoing = CrossReferenceQuery {
        policy_id: policies[0].0.clone(),
        node_id: Some(policies[0].1[0].clone()),
        direction: Direction::Outgoing,
        ..CrossReferenceQuery::default()
    };
    assert!(!meta
        .cross_references(&outgoing)
        .expect("read")
        .items
        .is_empty());
    let c1 = meta.contradiction("c1").expect("read").expect("c1");
    assert_eq!(c1.status, ResolutionStatus::Resolved);
    let conv = prompts
        .conversation_with_messages("conv1")
        .expect("read")
        .expect("conv1");
    assert_eq!(conv.messages.len(), 3);
    assert!(prompts.prompt_usage("u5").expect("read").is_some());
}

/// Every read of the agent's records about `policies`; errors are fine.
pub fn read(db: &Database, policies: &[(String, Vec<String>)]) {
    let meta = MetadataStore(db);
    let prompts = PromptStore(db);
    for run in [0, 1, 5, RUNS - 1] {
        let _ = meta.trajectory(&format!("t{run}"));
        let _ = meta.trajectory_steps(&format!("t{run}"), 2, None);
        let _ = meta.trajectories(&format!("case{}", run % 4), 0, None);
        let _ = meta.contradiction(&format!("c{run}"));
        let _ = prompts.conversation(&format!("conv{run}"));
        let _ = prompts.conversation_with_messages(&format!("conv{run}"));
        let _ = prompts.messages(&format!("conv{run}"), 2, None);
        let _ = prompts.message(&format!("m{run}-1"));
        let _ = prompts.prompt_usage(&format!("u{run}"));
        let _ = prompts.list_conversations_by_user(&format!("user{}", run % 3), 0, None);
    }
    for (policy, ids) in policies {
        for direction in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
            let query = CrossReferenceQuery {
                policy_id: policy.clone(),
                node_id: Some(ids[0].clone()),
                direction,
                ..CrossReferenceQuery::default()
            };
            let _ = meta.cross_references(&query);
            let whole = CrossReferenceQuery {
                node_id: None,
                limit: 3,
                ..query
            };
            let _ = meta.cross_references(&whole);
        }
        let query = ContradictionQuery {
            policy_id: Some(policy.clone()),
            ..ContradictionQuery::default()
        };
        let _ = meta.contradictions(&query);
    }
    let open = ContradictionQuery {
        status: Some(ResolutionStatus::Open),
        severity: Some(Severity::High),
        limit: 2,
        ..ContradictionQuery::default()
    };
    let _ = meta.contradictions(&open);
    let _ = prompts.list_conversations(&ConversationQuery::default());
    let _ = prompts.list_conversations_by_tag("audit", 0, None);
    let usages = UsageQuery {
        prompt_name: Some("navigate".into()),
        limit: 5,
        ..UsageQuery::default()
    };
    let _ = prompts.prompt_usages(&usages);
    let _ = prompts.prompt_stats("navigate", 2);
    let _ = prompts.prompt_version_stats("navigate");
}

/// A write of each kind into a damaged copy; errors are fine.
pub fn write(db: &Database, policies: &[(String, Vec<String>)]) {
    let meta = MetadataStore(db);
    let prompts = PromptStore(db);
    let _ = meta.append_trajectory_step("t1", step(1, 0, "0001"));
    let _ = meta.complete_trajectory("t0", gen::BASE_TIME + 5_000);
    let _ = meta.delete_trajectory("t2");
    let reference = CrossReference {
        source_policy_id: policies[0].0.clone(),
        target_policy_id: policies[1].0.clone(),
        ..CrossReference::default()
    };
    let _ = meta.store_cross_reference(reference);
    let _ = meta.delete_cross_references_of(&policies[2].0);
    let _ = meta.resolve_contradiction("c2", ResolutionStatus::Dismissed, None);
    let _ = meta.delete_contradiction("c3");
    let message = Message {
        conversation_id: "conv1".into(),
        role: Role::Assistant,
        content: "after the damage".into(),
        ..Message::default()
    };
    let _ = prompts.add_message(message);
    let _ = prompts.delete_conversation("conv4");
    let _ = prompts.score_prompt_usage("u3", Some(1.0));
    let _ = prompts.delete_prompt_usage("u5");
}
