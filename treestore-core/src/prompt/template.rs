//! Prompt template text: finding `{{name}}` placeholders, filling them, and line diffs between two
//! texts. Pure functions; nothing here touches the database.
//!
//! A placeholder is `{{`, optional spaces, a name (`[A-Za-z_][A-Za-z0-9_.-]*`), optional spaces and
//! `}}`. Anything else, `{{ not a name }}` or a lone `{{`, is literal text, so templates holding
//! JSON or code braces need no escaping.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The placeholder starting at `rest` (which starts with `{{`): its name and its length.
fn placeholder(rest: &str) -> Option<(&str, usize)> {
    let bytes = rest.as_bytes();
    let mut i = 2;
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    let start = i;
    if !bytes.get(i).copied().is_some_and(is_name_start) {
        return None;
    }
    while bytes.get(i).copied().is_some_and(is_name_byte) {
        i += 1;
    }
    let name = rest.get(start..i)?;
    while bytes.get(i) == Some(&b' ') {
        i += 1;
    }
    (rest.get(i..i + 2)? == "}}").then_some((name, i + 2))
}

/// Splits a template into text and placeholders.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    while let Some(found) = template.get(at..).and_then(|r| r.find("{{")) {
        let open = at + found;
        let rest = template.get(open..).unwrap_or_default();
        match placeholder(rest) {
            Some((name, len)) => {
                if open > text_start {
                    out.push(Piece::Text(
                        template.get(text_start..open).unwrap_or_default(),
                    ));
                }
                out.push(Piece::Var(name));
                at = open + len;
                text_start = at;
            }
            // `{` is one byte: the next search starts inside a run like `{{{name}}`.
            None => at = open + 1,
        }
    }
    if text_start < template.len() {
        out.push(Piece::Text(template.get(text_start..).unwrap_or_default()));
    }
    out
}

/// The names of the template's placeholders, in order of first appearance, each once.
pub fn template_variables(template: &str) -> Vec<String> {
    let mut seen = Vec::<String>::new();
    for p in pieces(template) {
        if let Piece::Var(name) = p {
            if !seen.iter().any(|s| s == name) {
                seen.push(name.to_string());
            }
        }
    }
    seen
}

/// Fills every placeholder of `template` from `variables` (extra variables are ignored). A
/// placeholder without a value is an `InvalidArgument` error naming it; `what` names the prompt.
pub fn render_template(
    what: &str,
    template: &str,
    variables: &BTreeMap<String, String>,
) -> Result<String> {
    let pieces = pieces(template);
    let missing: Vec<&str> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Var(name) if !variables.contains_key(*name) => Some(*name),
            _ => None,
        })
        .collect();
    if let Some(first) = missing.first() {
        let mut names: Vec<&str> = missing.clone();
        names.dedup();
        return Err(Error::invalid(format!(
            "{what}: field variables: no value for {{{{{first}}}}} (missing: {})",
            names.join(", ")
        )));
    }
    let mut out = String::with_capacity(template.len());
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(name) => out.push_str(variables.get(name).map_or("", String::as_str)),
        }
    }
    Ok(out)
}

/// What happened to a line between two texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffOp {
    /// In both.
    Equal,
    /// Only in the newer text.
    Insert,
    /// Only in the older text.
    Delete,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// What happened to it.
    pub op: DiffOp,
    /// The line, without its newline.
    pub text: String,
}

/// Largest `lines(a) x lines(b)` table the exact diff fills; beyond it the changed middle is shown
/// as deleted then inserted whole.
const MAX_DIFF_CELLS: usize = 4_000_000;

/// A line diff of `a` to `b`: a longest common subsequence of the lines between the common prefix
/// and suffix.
pub fn diff_lines(a: &str, b: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let line = |op, t: &&str| DiffLine {
        op,
        text: t.to_string(),
    };
    let mut out: Vec<DiffLine> = a[..prefix].iter().map(|t| line(DiffOp::Equal, t)).collect();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    if am.len().saturating_mul(bm.len()) > MAX_DIFF_CELLS {
        out.extend(am.iter().map(|t| line(DiffOp::Delete, t)));
        out.extend(bm.iter().map(|t| line(DiffOp::Insert, t)));
    } else {
        lcs_diff(am, bm, &mut out);
    }
    out.extend(a[a.len() - suffix..].iter().map(|t| line(DiffOp::Equal, t)));
    out
}

/// The classic dynamic program: `len[i][j]` is the LCS length of `a[i..]` and `b[j..]`.
#[allow(clippy::indexing_slicing)] // every index is below the table's bounds by construction
fn lcs_diff(a: &[&str], b: &[&str], out: &mut Vec<DiffLine>) {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut len = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[i * w + j] = if a[i] == b[j] {
                len[(i + 1) * w + j + 1] + 1
            } else {
                len[(i + 1) * w + j].max(len[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let push = |out: &mut Vec<DiffLine>, op, t: &str| {
        out.push(DiffLine {
            op,
            text: t.to_string(),
        })
    };
    while i < n && j < m {
        if a[i] == b[j] {
            push(out, DiffOp::Equal, a[i]);
            i += 1;
            j += 1;
        } else if len[(i + 1) * w + j] >= len[i * w + j + 1] {
            push(out, DiffOp::Delete, a[i]);
            i += 1;
        } else {
            push(out, DiffOp::Insert, b[j]);
            j += 1;
        }
    }
    a[i..].iter().for_each(|t| push(out, DiffOp::Delete, t));
    b[j..].iter().for_each(|t| push(out, DiffOp::Insert, t));
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn finds_placeholders_once_in_order_and_leaves_other_braces() {
        let t = "Hi {{ user }}, case {{case_id}} for {{user}}. JSON: {\"a\": {{b: 1}}} {{ 9x }} {{{x}}} {{";
        assert_eq!(template_variables(t), vec!["user", "case_id", "x"]);
        let out = render_template(
            "p",
            t,
            &vars(&[("user", "Ann"), ("case_id", "7"), ("x", "X")]),
        )
        .unwrap();
        assert_eq!(
            out,
            "Hi Ann, case 7 for Ann. JSON: {\"a\": {{b: 1}}} {{ 9x }} {X} {{"
        );
        assert_eq!(template_variables("{{a.b-c_d}}"), vec!["a.b-c_d"]);
        assert!(template_variables("no vars {{ }} {{a b}}").is_empty());
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err = render_template(
            "prompt \"triage\" version 2",
            "{{a}} {{b}} {{c}}",
            &vars(&[("a", "1")]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::InvalidArgument);
        assert!(err.message().contains("no value for {{b}}"), "{err}");
        assert!(err.message().contains("missing: b, c"), "{err}");
        assert!(err.message().contains("field variables"), "{err}");
    }

    #[test]
    fn diffs_lines() {
        let d = diff_lines("a\nb\nc\nd", "a\nc\nx\nd");
        let ops: Vec<(DiffOp, &str)> = d.iter().map(|l| (l.op, l.text.as_str())).collect();
        assert_eq!(
            ops,
            vec![
                (DiffOp::Equal, "a"),
                (DiffOp::Delete, "b"),
                (DiffOp::Equal, "c"),
                (DiffOp::Insert, "x"),
                (DiffOp::Equal, "d"),
            ]
        );
        assert!(diff_lines("same", "same")
            .iter()
            .all(|l| l.op == DiffOp::Equal));
        assert_eq!(diff_lines("", "new").len(), 1);
    }
}
