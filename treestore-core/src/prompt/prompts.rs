//! The prompt registry: named templates with immutable, auto-numbered versions (1, 2, ...), movable
//! labels (`production`, `staging` or any other) and the automatic label `latest`, as Langfuse and
//! MLflow keep them.

use std::collections::BTreeMap;

use crate::codec::Encoder;
use crate::db::{ReadOps, Table, WriteTxn};
use crate::error::{Error, Result};
use crate::keys::{KeyBuilder, KeyReader};
use crate::metadata::common::{
    check_json, check_len, check_limit, check_token, decoder, invalid, keys_with_prefix, Page,
    Scan, FORMAT_V1, MAX_BLOB_LEN, MAX_ID_LEN, MAX_KEY_LEN, MAX_TEXT_LEN,
};
use crate::search::records::{self, RecordRef, RecordText};
use crate::time::Timestamp;

use super::template::{diff_lines, render_template, template_variables, DiffLine};

/// Heads, versions and labels share one table.
pub(crate) const PROMPTS: &str = "prompt.prompts";

const HEAD: &str = "name";
const VERSION: &str = "ver";
const LABEL: &str = "label";

/// The label every prompt's newest version carries; it cannot be set or removed.
pub const LATEST: &str = "latest";
/// Longest label, in bytes.
pub const MAX_LABEL_LEN: usize = 64;

/// A new version of a prompt, as given to [`create_prompt`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewPrompt {
    /// The prompt's name (required); the first version creates the prompt.
    pub name: String,
    /// The template text, with `{{variable}}` placeholders (required, at most 16 MiB).
    pub template: String,
    /// Model settings as JSON text (e.g. `{"model": "gpt-4o", "temperature": 0}`).
    pub config: Option<String>,
    /// Why this version was made.
    pub commit_message: Option<String>,
    /// Who made it.
    pub created_by: Option<String>,
    /// Labels to move to the new version.
    pub labels: Vec<String>,
}

/// One immutable version of a prompt.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptVersion {
    /// The prompt's name.
    pub name: String,
    /// The version number, from 1.
    pub version: u32,
    /// The template text.
    pub template: String,
    /// The placeholder names of the template, in order of first appearance.
    pub variables: Vec<String>,
    /// Model settings as JSON text.
    pub config: Option<String>,
    /// Why this version was made.
    pub commit_message: Option<String>,
    /// Who made it.
    pub created_by: Option<String>,
    /// The labels on this version now, sorted, `latest` included when it is the newest.
    pub labels: Vec<String>,
    /// When it was made.
    pub created_at: Timestamp,
}

/// Which version of a prompt to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PromptSelector {
    /// The newest version.
    #[default]
    Latest,
    /// A version number.
    Version(u32),
    /// The version a label points to (`latest` is the newest).
    Label(String),
}

impl PromptSelector {
    /// The selector of the SDKs' `get_prompt(name, version=None, label=None)`: both given is an error.
    pub fn from_options(version: Option<u32>, label: Option<&str>) -> Result<PromptSelector> {
        match (version, label) {
            (Some(_), Some(_)) => Err(Error::invalid(
                "prompt selector: field label: give a version or a label, not both",
            )),
            (Some(v), None) => Ok(PromptSelector::Version(v)),
            (None, Some(l)) => Ok(PromptSelector::Label(l.to_string())),
            (None, None) => Ok(PromptSelector::Latest),
        }
    }
}

impl std::fmt::Display for PromptSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PromptSelector::Latest => f.write_str("latest version"),
            PromptSelector::Version(v) => write!(f, "version {v}"),
            PromptSelector::Label(l) => write!(f, "label {l:?}"),
        }
    }
}

/// A prompt of the registry, for lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptInfo {
    /// The prompt's name.
    pub name: String,
    /// Its newest version.
    pub latest_version: u32,
    /// Its labels and the versions they point to (`latest` not included).
    pub labels: BTreeMap<String, u32>,
    /// When its first version was made.
    pub created_at: Timestamp,
    /// When its newest version was made or a label last moved.
    pub updated_at: Timestamp,
}

/// How two versions of a prompt differ.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PromptDiff {
    /// The prompt's name.
    pub name: String,
    /// The older side.
    pub from_version: u32,
    /// The newer side.
    pub to_version: u32,
    /// The template, line by line.
    pub lines: Vec<DiffLine>,
    /// Variables only in `to_version`.
    pub variables_added: Vec<String>,
    /// Variables only in `from_version`.
    pub variables_removed: Vec<String>,
    /// The config of `from_version`.
    pub from_config: Option<String>,
    /// The config of `to_version`.
    pub to_config: Option<String>,
}

impl PromptDiff {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.lines
            .iter()
            .all(|l| l.op == super::template::DiffOp::Equal)
            && self.from_config == self.to_config
    }

    /// The template diff as text: each line prefixed by ` `, `+` or `-`.
    pub fn unified(&self) -> String {
        use super::template::DiffOp;
        let mut out = format!(
            "--- {} v{}\n+++ {} v{}\n",
            self.name, self.from_version, self.name, self.to_version
        );
        for l in &self.lines {
            let mark = match l.op {
                DiffOp::Equal => ' ',
                DiffOp::Insert => '+',
                DiffOp::Delete => '-',
            };
            out.push(mark);
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

pub(crate) struct Head {
    pub latest: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn head_key(name: &str) -> Vec<u8> {
    KeyBuilder::new().str(HEAD).str(name).finish()
}

fn version_key(name: &str, v: u32) -> Vec<u8> {
    KeyBuilder::new().str(VERSION).str(name).u32(v).finish()
}

fn label_key(name: &str, label: &str) -> Vec<u8> {
    KeyBuilder::new().str(LABEL).str(name).str(label).finish()
}

fn prompt_subject(name: &str) -> String {
    format!("prompt {name:?}")
}

pub(crate) fn check_name(what: &dyn std::fmt::Display, name: &str) -> Result<()> {
    check_token(what, "name", name, MAX_ID_LEN)
}

fn check_label(what: &dyn std::fmt::Display, label: &str) -> Result<()> {
    check_token(what, "label", label, MAX_LABEL_LEN)?;
    if !label
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
    {
        return Err(invalid(
            what,
            "label",
            format_args!("{label:?} may hold only letters, digits, '_', '-', '.', '/'"),
        ));
    }
    if label == LATEST {
        return Err(invalid(
            what,
            "label",
            "latest is automatic: it cannot be moved",
        ));
    }
    Ok(())
}

fn validate(p: &NewPrompt) -> Result<()> {
    let what = prompt_subject(&p.name);
    check_name(&what, &p.name)?;
    if p.template.trim().is_empty() {
        return Err(invalid(&what, "template", "is required"));
    }
    check_len(&what, "template", &p.template, MAX_BLOB_LEN)?;
    if let Some(c) = &p.config {
        check_json(&what, "config", c, MAX_TEXT_LEN)?;
    }
    if let Some(m) = &p.commit_message {
        check_len(&what, "commit_message", m, MAX_TEXT_LEN)?;
    }
    if let Some(by) = &p.created_by {
        check_token(&what, "created_by", by, MAX_KEY_LEN)?;
    }
    for l in &p.labels {
        check_label(&what, l)?;
    }
    Ok(())
}

fn encode_head(h: &Head) -> Vec<u8> {
    let mut e = Encoder::with_capacity(24);
    e.u8(FORMAT_V1)
        .uvar(u64::from(h.latest))
        .ivar(h.created_at)
        .ivar(h.updated_at);
    e.finish()
}

fn decode_head(v: &[u8]) -> Result<Head> {
    let mut d = decoder(v, "prompt")?;
    Ok(Head {
        latest: u32::try_from(d.uvar()?)
            .map_err(|_| Error::corruption("prompt record: version above u32"))?,
        created_at: d.ivar()?,
        updated_at: d.ivar()?,
    })
}

fn encode_version(p: &PromptVersion) -> Vec<u8> {
    let mut e = Encoder::with_capacity(64 + p.template.len());
    e.u8(FORMAT_V1)
        .str(&p.template)
        .str_list(&p.variables)
        .opt_str(p.config.as_deref())
        .opt_str(p.commit_message.as_deref())
        .opt_str(p.created_by.as_deref())
        .ivar(p.created_at);
    e.finish()
}

fn decode_version(name: &str, version: u32, v: &[u8]) -> Result<PromptVersion> {
    let mut d = decoder(v, "prompt version")?;
    Ok(PromptVersion {
        name: name.to_string(),
        version,
        template: d.string()?,
        variables: d.str_list()?,
        config: d.opt_string()?,
        commit_message: d.opt_string()?,
        created_by: d.opt_string()?,
        labels: Vec::new(),
        created_at: d.ivar()?,
    })
}

fn decode_label(v: &[u8]) -> Result<u32> {
    let mut d = decoder(v, "prompt label")?;
    u32::try_from(d.uvar()?).map_err(|_| Error::corruption("prompt label: version above u32"))
}

pub(crate) fn head<R: ReadOps + ?Sized>(tx: &R, t: Table, name: &str) -> Result<Option<Head>> {
    match tx.get(t, &head_key(name))? {
        Some(v) => decode_head(&v).map(Some),
        None => Ok(None),
    }
}

/// Every label of a prompt and its version.
fn labels<R: ReadOps + ?Sized>(tx: &R, t: Table, name: &str) -> Result<BTreeMap<String, u32>> {
    let prefix = KeyBuilder::new().str(LABEL).str(name).finish();
    let mut out = BTreeMap::new();
    for kv in tx.prefix(t, &prefix)? {
        let (k, v) = kv?;
        let mut r = KeyReader::new(&k);
        r.str()?;
        r.str()?;
        out.insert(r.str()?.into_owned(), decode_label(&v)?);
    }
    Ok(out)
}

fn put_label(txn: &mut WriteTxn, t: Table, name: &str, label: &str, version: u32) -> Result<()> {
    let mut e = Encoder::with_capacity(6);
    e.u8(FORMAT_V1).uvar(u64::from(version));
    txn.insert(t, &label_key(name, label), &e.finish())?;
    Ok(())
}

/// Adds a version to prompt `prompt.name` (creating the prompt with version 1), moves the given
/// labels to it, and returns it.
pub fn create_prompt(txn: &mut WriteTxn, prompt: NewPrompt) -> Result<PromptVersion> {
    validate(&prompt)?;
    let t = txn.table(PROMPTS)?;
    let now = crate::time::now();
    let old = head(txn, t, &prompt.name)?;
    let version = match &old {
        Some(h) => h.latest.checked_add(1).ok_or_else(|| {
            invalid(
                &prompt_subject(&prompt.name),
                "version",
                "no version numbers left",
            )
        })?,
        None => 1,
    };
    let head = Head {
        latest: version,
        created_at: old.map_or(now, |h| h.created_at),
        updated_at: now,
    };
    let v = PromptVersion {
        variables: template_variables(&prompt.template),
        name: prompt.name,
        version,
        template: prompt.template,
        config: prompt.config,
        commit_message: prompt.commit_message,
        created_by: prompt.created_by,
        labels: Vec::new(),
        created_at: now,
    };
    txn.insert(t, &head_key(&v.name), &encode_head(&head))?;
    txn.insert(t, &version_key(&v.name, version), &encode_version(&v))?;
    for l in &prompt.labels {
        put_label(txn, t, &v.name, l, version)?;
    }
    index_version(txn, &v)?;
    let mut labels: Vec<String> = prompt.labels;
    labels.push(LATEST.to_string());
    labels.sort();
    labels.dedup();
    Ok(PromptVersion { labels, ..v })
}

/// Indexes a new version's name, commit message and template for the unified search.
fn index_version(txn: &mut WriteTxn, v: &PromptVersion) -> Result<()> {
    let rec = RecordRef::Prompt {
        name: v.name.clone(),
        version: v.version,
    };
    let text = RecordText {
        rec: &rec,
        policy_id: None,
        case_id: None,
        fields: [
            &v.name,
            v.commit_message.as_deref().unwrap_or_default(),
            &v.template,
        ],
    };
    records::index_record(txn, &text, true)
}

/// The version number `selector` picks, if the prompt and that version or label exist.
pub(crate) fn resolve<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    name: &str,
    selector: &PromptSelector,
) -> Result<Option<u32>> {
    let Some(h) = head(tx, t, name)? else {
        return Ok(None);
    };
    Ok(match selector {
        PromptSelector::Latest => Some(h.latest),
        PromptSelector::Label(l) if l == LATEST => Some(h.latest),
        PromptSelector::Version(v) => (*v >= 1 && *v <= h.latest).then_some(*v),
        PromptSelector::Label(l) => match tx.get(t, &label_key(name, l))? {
            Some(v) => Some(decode_label(&v)?),
            None => None,
        },
    })
}

/// The version of prompt `name` that `selector` picks, with its current labels.
pub fn prompt<R: ReadOps + ?Sized>(
    tx: &R,
    name: &str,
    selector: &PromptSelector,
) -> Result<Option<PromptVersion>> {
    let t = tx.table(PROMPTS)?;
    let Some(version) = resolve(tx, t, name, selector)? else {
        return Ok(None);
    };
    load_version(tx, t, name, version).map(Some)
}

fn load_version<R: ReadOps + ?Sized>(
    tx: &R,
    t: Table,
    name: &str,
    version: u32,
) -> Result<PromptVersion> {
    let v = tx.get(t, &version_key(name, version))?.ok_or_else(|| {
        Error::corruption(format!("prompt {name:?}: version {version} is missing"))
    })?;
    let mut p = decode_version(name, version, &v)?;
    let latest = head(tx, t, name)?.map_or(0, |h| h.latest);
    p.labels = labels(tx, t, name)?
        .into_iter()
        .filter(|(_, v)| *v == version)
        .map(|(l, _)| l)
        .collect();
    if version == latest {
        p.labels.push(LATEST.to_string());
        p.labels.sort();
    }
    Ok(p)
}

/// The versions of prompt `name`, newest first.
pub fn prompt_versions<R: ReadOps + ?Sized>(
    tx: &R,
    name: &str,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<PromptVersion>> {
    let what = prompt_subject(name);
    check_name(&what, name)?;
    let limit = check_limit(&what, limit)?;
    let t = tx.table(PROMPTS)?;
    let prefix = KeyBuilder::new().str(VERSION).str(name).finish();
    Scan::prefix(t, prefix, true).page(tx, &what, "", cursor, limit, |k, _| {
        let mut r = KeyReader::new(k);
        r.str()?;
        r.str()?;
        load_version(tx, t, name, r.u32()?).map(Some)
    })
}

/// Every prompt of the registry, by name.
pub fn list_prompts<R: ReadOps + ?Sized>(
    tx: &R,
    limit: usize,
    cursor: Option<&str>,
) -> Result<Page<PromptInfo>> {
    let what = "prompt list";
    let limit = check_limit(&what, limit)?;
    let t = tx.table(PROMPTS)?;
    let prefix = KeyBuilder::new().str(HEAD).finish();
    Scan::prefix(t, prefix, false).page(tx, &what, "", cursor, limit, |k, v| {
        let mut r = KeyReader::new(k);
        r.str()?;
        let name = r.str()?.into_owned();
        let h = decode_head(v)?;
        Ok(Some(PromptInfo {
            labels: labels(tx, t, &name)?,
            name,
            latest_version: h.latest,
            created_at: h.created_at,
            updated_at: h.updated_at,
        }))
    })
}

/// Points `label` of prompt `name` at `version` (moving it from where it was).
pub fn set_prompt_label(txn: &mut WriteTxn, name: &str, label: &str, version: u32) -> Result<()> {
    let what = prompt_subject(name);
    check_label(&what, label)?;
    let t = txn.table(PROMPTS)?;
    let mut h =
        head(txn, t, name)?.ok_or_else(|| Error::not_found(format!("{what} does not exist")))?;
    if version == 0 || version > h.latest {
        return Err(Error::not_found(format!(
            "{what}: field version: there is no version {version}"
        )));
    }
    put_label(txn, t, name, label, version)?;
    h.updated_at = crate::time::now();
    txn.insert(t, &head_key(name), &encode_head(&h))?;
    Ok(())
}

/// Removes `label` from prompt `name`; returns whether it was set.
pub fn remove_prompt_label(txn: &mut WriteTxn, name: &str, label: &str) -> Result<bool> {
    check_label(&prompt_subject(name), label)?;
    let t = txn.table(PROMPTS)?;
    txn.remove(t, &label_key(name, label))
}

/// Fills the version `selector` picks of prompt `name` with `variables`.
pub fn render_prompt<R: ReadOps + ?Sized>(
    tx: &R,
    name: &str,
    selector: &PromptSelector,
    variables: &BTreeMap<String, String>,
) -> Result<String> {
    let t = tx.table(PROMPTS)?;
    let version = resolve(tx, t, name, selector)?
        .ok_or_else(|| Error::not_found(format!("prompt {name:?} has no {selector}")))?;
    let v = tx.get(t, &version_key(name, version))?.ok_or_else(|| {
        Error::corruption(format!("prompt {name:?}: version {version} is missing"))
    })?;
    let mut d = decoder(&v, "prompt version")?;
    let template = d.str()?;
    render_template(
        &format!("prompt {name:?} version {version}"),
        template,
        variables,
    )
}

/// How version `to` of prompt `name` differs from version `from`.
pub fn diff_prompt_versions<R: ReadOps + ?Sized>(
    tx: &R,
    name: &str,
    from: u32,
    to: u32,
) -> Result<PromptDiff> {
    let get = |v: u32, field: &str| {
        prompt(tx, name, &PromptSelector::Version(v))?.ok_or_else(|| {
            Error::not_found(format!(
                "prompt {name:?}: field {field}: there is no version {v}"
            ))
        })
    };
    let (a, b) = (get(from, "from")?, get(to, "to")?);
    Ok(PromptDiff {
        name: name.to_string(),
        from_version: from,
        to_version: to,
        lines: diff_lines(&a.template, &b.template),
        variables_added: b
            .variables
            .iter()
            .filter(|v| !a.variables.contains(v))
            .cloned()
            .collect(),
        variables_removed: a
            .variables
            .iter()
            .filter(|v| !b.variables.contains(v))
            .cloned()
            .collect(),
        from_config: a.config,
        to_config: b.config,
    })
}

/// Deletes prompt `name`: its versions and labels, their search entries, and its usage records and
/// statistics.
/// Returns whether it existed.
pub fn delete_prompt(txn: &mut WriteTxn, name: &str) -> Result<bool> {
    let t = txn.table(PROMPTS)?;
    let Some(h) = head(txn, t, name)? else {
        return Ok(false);
    };
    for version in 1..=h.latest {
        let rec = RecordRef::Prompt {
            name: name.to_string(),
            version,
        };
        records::remove_record(txn, &rec)?;
    }
    for family in [VERSION, LABEL] {
        let prefix = KeyBuilder::new().str(family).str(name).finish();
        for k in keys_with_prefix(txn, t, &prefix)? {
            txn.remove(t, &k)?;
        }
    }
    txn.remove(t, &head_key(name))?;
    super::usage::delete_usage_of_prompt(txn, name)?;
    Ok(true)
}
