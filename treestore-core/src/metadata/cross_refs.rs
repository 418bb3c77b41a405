//! Cross-references between policies and their nodes: "section 2.1 of policy A cites section 4 of
//! policy B". Each reference is stored twice, under its source and under its target, so it lists
//! from either end with one prefix scan. A reference is identified by its two ends and its type:
//! storing the same one again replaces its context.

use crate::codec::Encoder;
use crate::db::{ReadOps, WriteTxn};
use crate::error::Result;
use crate::keys::{KeyBuilder, KeyReader};
use crate::time::Timestamp;

use super::common::{
    check_id, check_len, check_limit, check_opt_id, decode_cursor, decoder, encode_cursor, invalid,
    keys_with_prefix, name_enum, or_now, Page, Scan, FORMAT_V1, MAX_TEXT_LEN,
};

/// Both directions of every reference share one table.
pub(crate) const CROSS_REFS: &str = "meta.cross_refs";

const OUTGOING: &str = "out";
const INCOMING: &str = "in";

name_enum! {
    /// What a reference says about its target.
    ReferenceType, "cross reference" {
        /// The source cites the target.
        #[default]
        Cites = 1, "cites";
        /// The source contradicts the target.
        Contradicts = 2, "contradicts";
        /// The source supports the target.
        Supports = 3, "supports";
        /// The source points the reader to the target.
        SeeAlso = 4, "see_also";
    }
}

/// A reference from one policy or node to another.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CrossReference {
    /// The citing policy (required).
    pub source_policy_id: String,
    /// The citing node; `None` for the policy as a whole.
    pub source_node_id: Option<String>,
    /// The cited policy (required).
    pub target_policy_id: String,
    /// The cited node; `None` for the policy as a whole.
    pub target_node_id: Option<String>,
    /// What the reference says.
    pub reference_type: ReferenceType,
    /// The text around the reference.
    pub context: Option<String>,
    /// When it was recorded; 0 means now.
    pub created_at: Timestamp,
}

/// Which end of a reference a list starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// References whose source is the given policy or node.
    Outgoing,
    /// References whose target is the given policy or node.
    Incoming,
    /// Outgoing ones, then incoming ones.
    #[default]
    Both,
}

/// A list of the references at one policy or node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CrossReferenceQuery {
    /// The policy (required).
    pub policy_id: String,
    /// The node; `None` for every node of the policy and the policy itself.
    pub node_id: Option<String>,
    /// Which end `policy_id`/`node_id` is.
    pub direction: Direction,
    /// Only references of this type.
    pub reference_type: Option<ReferenceType>,
    /// Page size; 0 means 100.
    pub limit: usize,
    /// The `next_cursor` of the previous page of the same query.
    pub cursor: Option<String>,
}

fn validate(r: &CrossReference) -> Result<()> {
    let what = format!(
        "cross reference {}/{} -> {}/{}",
        r.source_policy_id,
        r.source_node_id.as_deref().unwrap_or(""),
        r.target_policy_id,
        r.target_node_id.as_deref().unwrap_or("")
    );
    check_id(&what, "source_policy_id", &r.source_policy_id)?;
    check_opt_id(&what, "source_node_id", r.source_node_id.as_deref())?;
    check_id(&what, "target_policy_id", &r.target_policy_id)?;
    check_opt_id(&what, "target_node_id", r.target_node_id.as_deref())?;
    if r.source_policy_id == r.target_policy_id && r.source_node_id == r.target_node_id {
        return Err(invalid(&what, "target_node_id", "is the source itself"));
    }
    if let Some(c) = &r.context {
        check_len(&what, "context", c, MAX_TEXT_LEN)?;
    }
    Ok(())
}

/// One end of a reference: a policy and maybe a node.
type End<'a> = (&'a str, Option<&'a str>);

/// `(dir, here policy, here node, there policy, there node, type)`; a missing node is "".
fn key(dir: &str, here: End<'_>, there: End<'_>, ty: u8) -> Vec<u8> {
    KeyBuilder::new()
        .str(dir)
        .str(here.0)
        .str(here.1.unwrap_or(""))
        .str(there.0)
        .str(there.1.unwrap_or(""))
        .u32(u32::from(ty))
        .finish()
}

fn ends(r: &CrossReference) -> (End<'_>, End<'_>) {
    (
        (&r.source_policy_id, r.source_node_id.as_deref()),
        (&r.target_policy_id, r.target_node_id.as_deref()),
    )
}

fn encode(r: &CrossReference) -> Vec<u8> {
    let mut e = Encoder::with_capacity(16);
    e.u8(FORMAT_V1)
        .opt_str(r.context.as_deref())
        .ivar(r.created_at);
    e.finish()
}

/// Rebuilds a reference from one of its two entries.
fn decode(k: &[u8], v: &[u8]) -> Result<CrossReference> {
    let mut r = decode_key(k)?;
    let mut d = decoder(v, "cross reference")?;
    r.context = d.opt_string()?;
    r.created_at = d.ivar()?;
    Ok(r)
}

/// The ends and type of a reference, from the key of one of its entries.
fn decode_key(k: &[u8]) -> Result<CrossReference> {
    let mut kr = KeyReader::new(k);
    let dir = kr.str()?;
    let mut end = || -> Result<(String, Option<String>)> {
        let policy = kr.str()?.into_owned();
        let node = kr.str()?;
        Ok((policy, (!node.is_empty()).then(|| node.into_owned())))
    };
    let here = end()?;
    let there = end()?;
    let code = kr.u32()?;
    kr.expect_end()?;
    let ((sp, sn), (tp, tn)) = if dir == OUTGOING {
        (here, there)
    } else {
        (there, here)
    };
    Ok(CrossReference {
        source_policy_id: sp,
        source_node_id: sn,
        target_policy_id: tp,
        target_node_id: tn,
        reference_type: ReferenceType::from_code(u8::try_from(code).unwrap_or(0))?,
        context: None,
        created_at: 0,
    })
}

/// Stores a reference (replacing the same one) and returns it with its time filled in.
pub fn store_cross_reference(
    txn: &mut WriteTxn,
    mut reference: CrossReference,
) -> Result<CrossReference> {
    validate(&reference)?;
    reference.created_at = or_now(reference.created_at);
    let t = txn.table(CROSS_REFS)?;
    let (src, tgt) = ends(&reference);
    let ty = reference.reference_type.code();
    let value = encode(&reference);
    txn.insert(t, &key(OUTGOING, src, tgt, ty), &value)?;
    txn.insert(t, &key(INCOMING, tgt, src, ty), &value)?;
    Ok(reference)
}

/// Deletes the reference with the ends and type of `reference`; returns whether it existed.
pub fn delete_cross_reference(txn: &mut WriteTxn, reference: &CrossReference) -> Result<bool> {
    let t = txn.table(CROSS_REFS)?;
    let (src, tgt) = ends(reference);
    let ty = reference.reference_type.code();
    txn.remove(t, &key(INCOMING, tgt, src, ty))?;
    txn.remove(t, &key(OUTGOING, src, tgt, ty))
}

/// Deletes every reference from or to policy `policy_id` (when the policy itself is deleted);
/// returns how many.
pub fn delete_cross_references_of(txn: &mut WriteTxn, policy_id: &str) -> Result<u64> {
    let t = txn.table(CROSS_REFS)?;
    let mut found = Vec::new();
    for dir in [OUTGOING, INCOMING] {
        let prefix = KeyBuilder::new().str(dir).str(policy_id).finish();
        for k in keys_with_prefix(txn, t, &prefix)? {
            found.push(decode_key(&k)?);
        }
    }
    let mut n = 0;
    for r in &found {
        n += u64::from(delete_cross_reference(txn, r)?);
    }
    Ok(n)
}

/// The references at a policy or node, in key order: by the other end, then type. With
/// [`Direction::Both`] the outgoing ones come first.
pub fn cross_references<R: ReadOps + ?Sized>(
    tx: &R,
    query: &CrossReferenceQuery,
) -> Result<Page<CrossReference>> {
    let what = "cross reference query";
    check_id(&what, "policy_id", &query.policy_id)?;
    check_opt_id(&what, "node_id", query.node_id.as_deref())?;
    let limit = check_limit(&what, query.limit)?;
    let t = tx.table(CROSS_REFS)?;
    let prefix = |dir: &str| {
        let mut k = KeyBuilder::new();
        k.str(dir).str(&query.policy_id);
        if let Some(n) = &query.node_id {
            k.str(n);
        }
        k.finish()
    };
    let visit = |k: &[u8], v: &[u8]| {
        let r = decode(k, v)?;
        Ok(query
            .reference_type
            .is_none_or(|ty| ty == r.reference_type)
            .then_some(r))
    };
    let cursor = query.cursor.as_deref();
    let in_phase = cursor.is_some_and(|c| c.starts_with('i'));
    let mut items = Vec::new();
    if query.direction != Direction::Incoming && !in_phase {
        let scan = Scan::prefix(t, prefix(OUTGOING), false);
        let page = scan.page(tx, &what, "o", cursor, limit, visit)?;
        if page.next_cursor.is_some() || query.direction == Direction::Outgoing {
            return Ok(page);
        }
        items = page.items;
    }
    let in_prefix = prefix(INCOMING);
    let left = limit - items.len();
    if left == 0 {
        // The outgoing list ended exactly at the limit: continue with the incoming one.
        let next_cursor = Some(encode_cursor("i", &in_prefix));
        return Ok(Page { items, next_cursor });
    }
    let cursor = if in_phase { cursor } else { None };
    if let Some(c) = cursor {
        decode_cursor(&what, c, "i", &in_prefix)?;
    }
    let page = Scan::prefix(t, in_prefix, false).page(tx, &what, "i", cursor, left, visit)?;
    items.extend(page.items);
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
