//! The equality check run before timing: every engine answers a sample of each kind's queries and
//! must agree with TreeStore (same nodes, same order, same content lengths; the same version for
//! as-of). Search: SQLite must return the same hits with the same BM25 scores, where a group of
//! equal scores may come in any order and the last group may be cut anywhere (ties); where the
//! two analyzers count a document's length differently (FTS5's unicode61 keeps a run of CJK
//! ideographs as one token, TreeStore indexes each ideograph) scores may differ slightly, so the
//! check then requires at least 7 of the 10 hits in common and reports it. PostgreSQL's ts_rank
//! is a different formula, so only its hit count is compared.

use super::Answer;

/// Why two answers differ, or `None` when they agree.
pub fn differs(
    reference: &Answer,
    other: &Answer,
    search: bool,
    other_is_bm25: bool,
) -> Option<String> {
    if !search {
        if reference == other {
            return None;
        }
        let at = reference
            .iter()
            .zip(other)
            .position(|(a, b)| a != b)
            .unwrap_or(reference.len().min(other.len()));
        return Some(format!(
            "{} vs {} lines; first difference at line {at}: {:?} vs {:?}",
            reference.len(),
            other.len(),
            reference.get(at),
            other.get(at)
        ));
    }
    if reference.len() != other.len() {
        return Some(format!("{} hits vs {}", reference.len(), other.len()));
    }
    if !other_is_bm25 {
        return None;
    }
    let parse = |a: &Answer| -> Vec<(String, f64)> {
        a.iter()
            .map(|h| {
                let (id, s) = h.rsplit_once('@').unwrap();
                (id.to_string(), s.parse().unwrap())
            })
            .collect()
    };
    let (r, o) = (parse(reference), parse(other));
    let same_scores = r.iter().zip(&o).all(|(a, b)| close(a.1, b.1));
    if same_scores {
        let last = r.last().map(|h| h.1);
        let mut groups_r = groups(&r, last);
        let mut groups_o = groups(&o, last);
        groups_r.sort();
        groups_o.sort();
        return (groups_r != groups_o).then(|| format!("hits differ: {reference:?} vs {other:?}"));
    }
    let common = r.iter().filter(|h| o.iter().any(|g| g.0 == h.0)).count();
    (common * 10 < r.len() * 7).then(|| {
        format!(
            "only {common} of {} hits in common: {reference:?} vs {other:?}",
            r.len()
        )
    })
}

/// Whether two search answers carry the same scores, rank by rank (within 1e-4, relative).
pub fn same_scores(a: &Answer, b: &Answer) -> bool {
    let score = |h: &String| {
        h.rsplit_once('@')
            .map(|s| s.1.parse::<f64>().unwrap_or(f64::NAN))
    };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| matches!((score(x), score(y)), (Some(p), Some(q)) if close(p, q)))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1e-9)
}

/// Ids of the hits scored above the last hit's score, sorted (the last tie group may be cut
/// anywhere, so its members are not compared).
fn groups(hits: &[(String, f64)], last: Option<f64>) -> Vec<String> {
    hits.iter()
        .filter(|h| last.is_none_or(|l| !close(h.1, l)))
        .map(|h| h.0.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(v: &[&str]) -> Answer {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn node_answers_must_match_exactly() {
        assert!(differs(&a(&["x|1|2|3"]), &a(&["x|1|2|3"]), false, false).is_none());
        assert!(differs(&a(&["x|1|2|3"]), &a(&["x|1|2|4"]), false, false).is_some());
        assert!(differs(&a(&["x", "y"]), &a(&["y", "x"]), false, false).is_some());
    }

    #[test]
    fn search_ties_may_reorder_and_cut() {
        let r = a(&["p/a@3.0", "p/b@2.0", "p/c@2.0", "p/d@1.0"]);
        let o = a(&["p/a@3.0", "p/c@2.0", "p/b@2.0", "p/e@1.0"]);
        assert!(differs(&r, &o, true, true).is_none());
        let wrong = a(&["p/a@3.0", "p/c@2.0", "p/x@2.0", "p/d@1.0"]);
        assert!(differs(&r, &wrong, true, true).is_some());
        assert!(differs(&r, &a(&["p/a@3.0"]), true, false).is_some());
    }
}
