//! What the record index holds: the kinds of records, how each is named, and the text of a record
//! as it is indexed.

use crate::error::{Error, Result};
use crate::keys::{KeyBuilder, KeyReader};

/// A kind of record the record index holds beside the document nodes of the main index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKind {
    /// A tool result of the metadata store.
    ToolResult,
    /// A version of a prompt template of the prompt store.
    Prompt,
    /// A step of a trajectory of the metadata store.
    TrajectoryStep,
}

impl RecordKind {
    /// Every kind, in code order.
    pub const ALL: [RecordKind; 3] = [
        RecordKind::ToolResult,
        RecordKind::Prompt,
        RecordKind::TrajectoryStep,
    ];

    /// The name used in the SDKs: `tool_result`, `prompt`, `trajectory_step`.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::ToolResult => "tool_result",
            RecordKind::Prompt => "prompt",
            RecordKind::TrajectoryStep => "trajectory_step",
        }
    }

    /// The code stored in keys (never reused).
    pub(crate) fn code(self) -> u32 {
        match self {
            RecordKind::ToolResult => 1,
            RecordKind::Prompt => 2,
            RecordKind::TrajectoryStep => 3,
        }
    }

    /// What each of the three indexed fields holds, in field order (weighted as title, summary,
    /// text).
    pub fn field_names(self) -> [&'static str; 3] {
        match self {
            RecordKind::ToolResult => ["tool_name", "error_message", "result_data"],
            RecordKind::Prompt => ["name", "commit_message", "template"],
            RecordKind::TrajectoryStep => ["tool_name action", "thought", "observation"],
        }
    }
}

/// One indexed record: which store record it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordRef {
    /// The tool result of this execution id.
    ToolResult {
        /// Its execution id.
        execution_id: String,
    },
    /// This version of the prompt template `name`.
    Prompt {
        /// The prompt's name.
        name: String,
        /// The version, from 1.
        version: u32,
    },
    /// Step `step_number` of trajectory `trajectory_id`.
    TrajectoryStep {
        /// The trajectory.
        trajectory_id: String,
        /// The step's number.
        step_number: u32,
    },
}

impl RecordRef {
    /// The record's kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            RecordRef::ToolResult { .. } => RecordKind::ToolResult,
            RecordRef::Prompt { .. } => RecordKind::Prompt,
            RecordRef::TrajectoryStep { .. } => RecordKind::TrajectoryStep,
        }
    }

    /// A display id: the execution id, `name:version`, `trajectory_id:step_number`.
    pub fn id(&self) -> String {
        match self {
            RecordRef::ToolResult { execution_id } => execution_id.clone(),
            RecordRef::Prompt { name, version } => format!("{name}:{version}"),
            RecordRef::TrajectoryStep {
                trajectory_id,
                step_number,
            } => format!("{trajectory_id}:{step_number}"),
        }
    }

    /// Appends the record's id elements (without the kind) to a key.
    pub(crate) fn put_id(&self, k: &mut KeyBuilder) {
        match self {
            RecordRef::ToolResult { execution_id } => k.str(execution_id),
            RecordRef::Prompt { name, version } => k.str(name).u32(*version),
            RecordRef::TrajectoryStep {
                trajectory_id,
                step_number,
            } => k.str(trajectory_id).u32(*step_number),
        };
    }

    /// Reads the id elements [`put_id`](Self::put_id) wrote for a record of `kind`; they must
    /// end the key.
    pub(crate) fn read_id(kind: RecordKind, tail: &[u8]) -> Result<RecordRef> {
        let mut r = KeyReader::new(tail);
        let rec = match kind {
            RecordKind::ToolResult => RecordRef::ToolResult {
                execution_id: r.str()?.into_owned(),
            },
            RecordKind::Prompt => RecordRef::Prompt {
                name: r.str()?.into_owned(),
                version: r.u32()?,
            },
            RecordKind::TrajectoryStep => RecordRef::TrajectoryStep {
                trajectory_id: r.str()?.into_owned(),
                step_number: r.u32()?,
            },
        };
        r.expect_end()?;
        Ok(rec)
    }
}

/// A record's text as the store that owns it hands it to the index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordText<'a> {
    /// Which record.
    pub rec: &'a RecordRef,
    /// The policy it is about, for the policy filter.
    pub policy_id: Option<&'a str>,
    /// The case it belongs to, for the case filter.
    pub case_id: Option<&'a str>,
    /// The three fields, in [`RecordKind::field_names`] order.
    pub fields: [&'a str; 3],
}

/// Which records of the index a search considers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordFilter<'a> {
    /// Only records about this policy.
    pub policy_id: Option<&'a str>,
    /// Only records of this case.
    pub case_id: Option<&'a str>,
}

/// A record that matched a query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordHit {
    /// The record.
    pub rec: RecordRef,
    /// Its BM25 score among the records of its kind.
    pub score: f64,
    /// The index terms of the query found in it, sorted.
    pub matched_terms: Vec<String>,
    /// Which fields hold a match.
    pub matched_fields: [bool; 3],
}

/// Every record of one kind that matched, and the score no record of the kind can reach.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct KindHits {
    /// The hits, in no particular order.
    pub hits: Vec<RecordHit>,
    /// The sum over the query's scoring leaves of `IDF * (k1 + 1)`.
    pub bound: f64,
}

pub(crate) fn kind_from_code(code: u32) -> Result<RecordKind> {
    RecordKind::ALL
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or_else(|| Error::corruption(format!("record index: unknown record kind {code}")))
}
