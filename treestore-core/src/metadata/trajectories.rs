//! Trajectories: the ordered steps (thought, action, observation) of one agent run on a case. A
//! trajectory is open until completed; steps are appended to open ones. Steps are stored one entry
//! each, so an append writes the step and the small header, never the earlier steps.

use crate::codec::Encoder;
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::{KeyBuilder, KeyReader};
use crate::search::records::{self, RecordRef, RecordText};
use crate::time::Timestamp;

use super::common::{
    check_id, check_len, check_limit, check_token, dangling, decoder, invalid, keys_with_prefix,
    or_now, Page, Scan, Subject, FORMAT_V1, MAX_BLOB_LEN, MAX_ID_LEN, MAX_KEY_LEN,
};
use super::id::new_id;

/// Headers, steps and the case index share one table.
pub(crate) const TRAJECTORIES: &str = "meta.trajectories";

const HEADER: &str = "traj";
const STEP: &str = "step";
const BY_CASE: &str = "case";

/// Most steps one trajectory holds.
pub const MAX_STEPS: u32 = 100_000;

/// One step of a trajectory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrajectoryStep {
    /// Position in the trajectory, from 1; 0 means "after the last step". Numbers must grow.
    pub step_number: u32,
    /// The tool the step called.
    pub tool_name: Option<String>,
    /// What the agent did (required).
    pub action: String,
    /// What it saw.
    pub observation: String,
    /// Why it did it.
    pub thought: String,
    /// When; 0 means now.
    pub timestamp: Timestamp,
}

/// One agent run on a case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trajectory {
    /// Unique id; generated when empty. Storing an id again replaces the trajectory.
    pub trajectory_id: String,
    /// The case the run worked on (required).
    pub case_id: String,
    /// The steps, by step number.
    pub steps: Vec<TrajectoryStep>,
    /// When the run started; 0 means now.
    pub started_at: Timestamp,
    /// When it completed; `None` while open.
    pub completed_at: Option<Timestamp>,
}

struct Header {
    case_id: String,
    started_at: Timestamp,
    completed_at: Option<Timestamp>,
    last_step: u32,
    step_count: u64,
}

fn header_key(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(HEADER).str(id).finish()
}

fn step_key(id: &str, n: u32) -> Vec<u8> {
    KeyBuilder::new().str(STEP).str(id).u32(n).finish()
}

fn steps_prefix(id: &str) -> Vec<u8> {
    KeyBuilder::new().str(STEP).str(id).finish()
}

fn case_key(case: &str, started_at: Timestamp, id: &str) -> Vec<u8> {
    KeyBuilder::new()
        .str(BY_CASE)
        .str(case)
        .i64(started_at)
        .str(id)
        .finish()
}

fn encode_header(h: &Header) -> Vec<u8> {
    let mut e = Encoder::with_capacity(32 + h.case_id.len());
    e.u8(FORMAT_V1)
        .str(&h.case_id)
        .ivar(h.started_at)
        .opt_ivar(h.completed_at)
        .uvar(u64::from(h.last_step))
        .uvar(h.step_count);
    e.finish()
}

fn decode_header(v: &[u8]) -> Result<Header> {
    let mut d = decoder(v, "trajectory")?;
    Ok(Header {
        case_id: d.string()?,
        started_at: d.ivar()?,
        completed_at: d.opt_ivar()?,
        last_step: u32::try_from(d.uvar()?)
            .map_err(|_| Error::corruption("trajectory record: step number above u32"))?,
        step_count: d.uvar()?,
    })
}

fn encode_step(s: &TrajectoryStep) -> Vec<u8> {
    let mut e = Encoder::with_capacity(16 + s.action.len() + s.observation.len() + s.thought.len());
    e.u8(FORMAT_V1)
        .opt_str(s.tool_name.as_deref())
        .str(&s.action)
        .str(&s.observation)
        .str(&s.thought)
        .ivar(s.timestamp);
    e.finish()
}

fn decode_step(n: u32, v: &[u8]) -> Result<TrajectoryStep> {
    let mut d = decoder(v, "trajectory step")?;
    Ok(TrajectoryStep {
        step_number: n,
        tool_name: d.opt_string()?,
        action: d.string()?,
        observation: d.string()?,
        thought: d.string()?,
        timestamp: d.ivar()?,
    })
}

fn validate_step(what: &Subject<'_>, i: usize, s: &TrajectoryStep) -> Result<()> {
    let field = |f: &str| format!("steps[{i}].{f}");
    if let Some(t) = &s.tool_name {
        check_token(what, &field("tool_name"), t, MAX_KEY_LEN)?;
    }
    if s.action.trim().is_empty() {
        return Err(invalid(what, &field("action"), "is required"));
    }
    check_len(what, &field("action"), &s.action, MAX_BLOB_LEN)?;
    check_len(what, &field("observation"), &s.observation, MAX_BLOB_LEN)?;
    check_len(what, &field("thought"), &s.thought, MAX_BLOB_LEN)
}

/// Gives step numbers to steps numbered 0 (after `last`) and checks that numbers grow.
fn number_steps(what: &Subject<'_>, last: u32, steps: &mut [TrajectoryStep]) -> Result<u32> {
    let mut last = last;
    for (i, s) in steps.iter_mut().enumerate() {
        if s.step_number == 0 {
            s.step_number = last
                .checked_add(1)
                .ok_or_else(|| invalid(what, "steps", "too many steps"))?;
        } else if s.step_number <= last {
            return Err(invalid(
                what,
                &format!("steps[{i}].step_number"),
                format_args!("{} does not follow step {last}", s.step_number),
            ));
        }
        if s.step_number > MAX_STEPS {
            return Err(invalid(
                what,
                &format!("steps[{i}].step_number"),
                format_args!("exceeds the limit of {MAX_STEPS}"),
            ));
        }
        last = s.step_number;
    }
    Ok(last)
}

fn validate(t: &Trajectory) -> Result<()> {
    let what = Subject("trajectory", &t.trajectory_id);
    if !t.trajectory_id.is_empty() {
        check_token(&what, "trajectory_id", &t.trajectory_id, MAX_ID_LEN)?;
    }
    check_id(&what, "case_id", &t.case_id)?;
    for (i, s) in t.steps.iter().enumerate() {
        validate_step(&what, i, s)?;
    }
    if let Some(c) = t.completed_at {
        if c < t.started_at {
            return Err(invalid(&what, "completed_at", "is before started_at"));
        }
    }
    Ok(())
}

/// Stores a whole trajectory (replacing one with the same id, steps and all) and returns it with
/// its id, times and step numbers filled in.
pub fn store_trajectory(txn: &mut WriteTxn, mut traj: Trajectory) -> Result<Trajectory> {
    validate(&traj)?;
    let what = Subject("trajectory", &traj.trajectory_id);
    let last = number_steps(&what, 0, &mut traj.steps)?;
    if traj.trajectory_id.is_empty() {
        traj.trajectory_id = new_id();
    }
    traj.started_at = or_now(traj.started_at);
    for s in &mut traj.steps {
        s.timestamp = or_now(s.timestamp);
    }
    delete_trajectory(txn, &traj.trajectory_id)?;
    let t = txn.table(TRAJECTORIES)?;
    let id = traj.trajectory_id.as_str();
    let header = Header {
        case_id: traj.case_id.clone(),
        started_at: traj.started_at,
        completed_at: traj.completed_at,
        last_step: last,
        step_count: traj.steps.len() as u64,
    };
    txn.insert(t, &header_key(id), &encode_header(&header))?;
    txn.insert(t, &case_key(&traj.case_id, traj.started_at, id), &[])?;
    for s in &traj.steps {
        txn.insert(t, &step_key(id, s.step_number), &encode_step(s))?;
    }
    for s in &traj.steps {
        index_step(txn, id, &traj.case_id, s)?;
    }
    Ok(traj)
}

/// Indexes a step's text for the unified search; the step is new, so it has no entry yet.
fn index_step(txn: &mut WriteTxn, id: &str, case_id: &str, s: &TrajectoryStep) -> Result<()> {
    let rec = RecordRef::TrajectoryStep {
        trajectory_id: id.to_string(),
        step_number: s.step_number,
    };
    let title = match &s.tool_name {
        Some(tool) => format!("{tool} {}", s.action),
        None => s.action.clone(),
    };
    let text = RecordText {
        rec: &rec,
        policy_id: None,
        case_id: Some(case_id),
        fields: [&title, &s.thought, &s.observation],
    };
    records::index_record(txn, &text, true)
}

fn open_header<R: ReadOps + ?Sized>(tx: &R, t: Table, id: &str) -> Result<Option<Header>> {
    match tx.get(t, &header_key(id))? {
        Some(v) => decode_header(&v).map(Some),
        None => Ok(None),
    }
}

/// Appends a step to the open trajectory `trajectory_id`; returns it with its number and time.
/// A completed trajectory takes no more steps.
pub fn append_trajectory_step(
    txn: &mut WriteTxn,
    trajectory_id: &str,
    step: TrajectoryStep,
) -> Result<TrajectoryStep> {
    let what = Subject("trajectory", trajectory_id);
    validate_step(&what, 0, &step)?;
    let t = txn.table(TRAJECTORIES)?;
    let mut h = open_header(txn, t, trajectory_id)?
        .ok_or_else(|| Error::not_found(format!("{what} does not exist")))?;
    if h.completed_at.is_some() {
        return Err(invalid(
            &what,
            "completed_at",
            "is set: the trajectory is closed",
        ));
    }
    let mut steps = [step];
    h.last_step = number_steps(&what, h.last_step, &mut steps)?;
    let [mut step] = steps;
    step.timestamp = or_now(step.timestamp);
    h.step_count += 1;
    txn.insert(t, &header_key(trajectory_id), &encode_header(&h))?;
    txn.insert(
        t,
        &step_key(trajectory_id, step.step_number),
        &encode_step(&step),
    )?;
    index_step(txn, trajectory_id, &h.case_id, &step)?;
    Ok(step)
}

/// Completes the open trajectory `trajectory_id` at `completed_at` (0 means now).
pub fn complete_trajectory(
    txn: &mut WriteTxn,
    trajectory_id: &str,
    completed_at: Timestamp,
) -> Result<()> {
    let what = Subject("trajectory", trajectory_id);
    let t = txn.table(TRAJECTORIES)?;
    let mut h = open_header(txn, t, trajectory_id)?
        .ok_or_else(|| Error::not_found(format!("{what} does not exist")))?;
    if h.completed_at.is_some() {
        return Err(invalid(&what, "completed_at", "is already set"));
    }
    let at = or_now(completed_at);
    if at < h.started_at {
        return Err(invalid(&what, "completed_at", "is before started_at"));
    }
    h.completed_at = Some(at);
    txn.insert(t, &header_key(trajectory_id), &encode_header(&h))?;
    Ok(())
}

fn assemble<R: ReadOps + ?Sized>(tx: &R, t: Table, id: &str, h: Header) -> Result<Trajectory> {
    let mut steps = Vec::with_capacity(usize::try_from(h.step_count).unwrap_or(0).min(1024));
    for kv in tx.prefix(t, &steps_prefix(id))? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        r.str()?;
        r.str()?;
        steps.push(decode_step(r.u32()?, &v)?);
    }
    Ok(Trajectory {
        trajectory_id: id.to_string(),
        case_id: h.case_id,
        steps,
        started_at: h.started_at,
        completed_at: h.completed_at,
    })
}

/// The trajectory `trajectory_id` with all its steps.
pub fn trajectory<R: ReadOps + ?Sized>(tx: &R, trajectory_id: &str) -> Result<Option<Trajectory>> {
    let t = tx.table(TRAJECTORIES)?;
    match open_header(tx, t, trajectory_id)? {
        Some(h) => assemble(tx, t, trajectory_id, h).map(Some),
        None => Ok(None),
    }
}

/// Step `step_number` of trajectory `trajectory_id`.
pub fn trajectory_step<R: ReadOps + ?Sized>(
    tx: &R,
    trajectory_id: &str,
    step_number: u32,
) -> Result<Option<TrajectoryStep>> {
    let t = tx.table(TRAJECTORIES)?;
    match tx.get(t, &step_key(trajectory_id, step_number))? {
        Some(v) => decode_step(step_number, &v).map(Some),
        None => Ok(None),
    }
}

/// One page of the steps of trajectory `trajectory_id`, by step number (a trajectory may hold
/// [`MAX_STEPS`] steps: [`trajectory`] reads them all, this reads them a page at a time).
/// `NotFound` when the trajectory does not exist.
pub fn trajectory_steps<R: ReadOps + ?Sized>(
    tx: &R,
    trajectory_id: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<TrajectoryStep>> {
    let what = Subject("trajectory", trajectory_id);
    check_id(&what, "trajectory_id", trajectory_id)?;
    let limit = check_limit(&what, limit)?;
    let t = tx.table(TRAJECTORIES)?;
    if open_header(tx, t, trajectory_id)?.is_none() {
        return Err(Error::not_found(format!("{what} does not exist")));
    }
    let scan = Scan::prefix(t, steps_prefix(trajectory_id), false);
    scan.page(tx, &what, "", cursor, limit, |k, v| {
        let mut r = KeyReader::new(k);
        r.str()?;
        r.str()?;
        decode_step(r.u32()?, v).map(Some)
    })
}

/// The trajectories of case `case_id` with their steps, latest started first.
pub fn trajectories<R: ReadOps + ?Sized>(
    tx: &R,
    case_id: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<Trajectory>> {
    let what = "trajectory query";
    check_id(&what, "case_id", case_id)?;
    let limit = check_limit(&what, limit)?;
    let t = tx.table(TRAJECTORIES)?;
    let prefix = KeyBuilder::new().str(BY_CASE).str(case_id).finish();
    Scan::prefix(t, prefix, true).page(tx, &what, "", cursor, limit, |k, _| {
        let mut r = KeyReader::new(k);
        r.str()?;
        r.str()?;
        r.i64()?;
        let id = r.str()?;
        let h = open_header(tx, t, &id)?.ok_or_else(|| dangling("trajectory", &id))?;
        assemble(tx, t, &id, h).map(Some)
    })
}

/// Deletes the trajectory `trajectory_id`, its steps and its index entry; returns whether it existed.
pub fn delete_trajectory(txn: &mut WriteTxn, trajectory_id: &str) -> Result<bool> {
    let t = txn.table(TRAJECTORIES)?;
    let Some(h) = open_header(txn, t, trajectory_id)? else {
        return Ok(false);
    };
    for k in keys_with_prefix(txn, t, &steps_prefix(trajectory_id))? {
        let mut r = KeyReader::new(&k);
        r.str()?;
        r.str()?;
        let rec = RecordRef::TrajectoryStep {
            trajectory_id: trajectory_id.to_string(),
            step_number: r.u32()?,
        };
        records::remove_record(txn, &rec)?;
        txn.remove(t, &k)?;
    }
    txn.remove(t, &case_key(&h.case_id, h.started_at, trajectory_id))?;
    txn.remove(t, &header_key(trajectory_id))
}
