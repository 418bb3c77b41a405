//! End-to-end tests of the `treestore` binary: every subcommand on a temporary database, its
//! stdout, stderr and exit code, `--json` output parsed as JSON, damage and bad input, and the
//! Prometheus output checked by a small parser of the text format.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use tempfile::TempDir;

const POLICY: &str = "advanced-imaging-pa";

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts success and no stderr output; returns stdout.
    fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "failed: {self:#?}");
        assert_eq!(self.stderr, "", "stderr not empty: {self:#?}");
        &self.stdout
    }

    /// Asserts exit code 1 with an empty stdout; returns stderr.
    fn err(&self) -> &str {
        assert_eq!(self.code, 1, "expected exit code 1: {self:#?}");
        assert_eq!(self.stdout, "", "stdout not empty on error: {self:#?}");
        &self.stderr
    }

    fn json(&self) -> Json {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

fn ts<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_treestore"))
        .args(args)
        .output()
        .expect("running treestore");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `ts` with the database path first after the subcommand.
fn tsdb(cmd: &str, db: &Path, rest: &[&str]) -> Run {
    let mut args = vec![cmd.to_string(), db.display().to_string()];
    args.extend(rest.iter().map(|s| s.to_string()));
    ts(&args)
}

fn sample(version: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(format!("{POLICY}_v{version}.json"))
}

/// A temporary folder with `demo.tsdb` holding the three sample versions, effective 2023, 2024
/// and 2025.
fn demo() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("demo.tsdb");
    for (v, from) in [(1, "2023-01-01"), (2, "2024-01-01"), (3, "2025-01-01")] {
        let file = sample(v).display().to_string();
        tsdb("import", &db, &[&file, "--effective-from", from]).ok();
    }
    (dir, db)
}

fn policies(db: &Path) -> Vec<String> {
    let j = ts(&["--json", "policies", &db.display().to_string()]).json();
    j.as_array()
        .unwrap()
        .iter()
        .map(|p| p["policy_id"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// import

#[test]
fn import_prints_each_version_and_a_summary_and_no_progress_off_a_terminal() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.tsdb");
    let file = sample(1).display().to_string();
    let run = tsdb("import", &db, &[&file, "--effective-from", "2023-01-01"]);
    let out = run.ok();
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("{POLICY} v1: 17 nodes from {file}")
    );
    assert!(lines
        .next()
        .unwrap()
        .starts_with("imported 1 of 1 files, 17 nodes in "));
    assert_eq!(lines.next(), None);
    assert_eq!(policies(&db), [POLICY]);
}

#[test]
fn import_of_a_folder_takes_policy_and_version_from_the_file_names() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("in");
    std::fs::create_dir(&src).unwrap();
    std::fs::copy(sample(1), src.join("imaging_v1.json")).unwrap();
    std::fs::copy(sample(2), src.join("imaging@2024.json")).unwrap();
    std::fs::copy(sample(3), src.join("other_structure.json")).unwrap();
    std::fs::write(src.join("notes.txt"), "not imported").unwrap();
    let db = dir.path().join("t.tsdb");
    let run = ts(&[
        "--json",
        "import",
        &db.display().to_string(),
        &src.display().to_string(),
    ]);
    let j = run.json();
    let got: Vec<(String, String)> = j["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["policy_id"].as_str().unwrap().to_string(),
                i["version_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [("imaging", "2024"), ("imaging", "v1"), ("other", "v1")];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, v)| (p.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(j["nodes"], 17 + 18 + 18);
    assert_eq!(j["failed"], serde_json::json!([]));
}

#[test]
fn import_flags_name_the_policy_version_tags_and_period() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.tsdb");
    let file = sample(2).display().to_string();
    tsdb(
        "import",
        &db,
        &[
            &file,
            "--policy",
            "pa",
            "--version",
            "2024.1",
            "--tag",
            "current",
            "--effective-from",
            "2024-01-01",
            "--effective-to",
            "2024-07-01",
            "--created-by",
            "ops",
        ],
    )
    .ok();
    let j = ts(&["--json", "versions", &db.display().to_string(), "pa"]).json();
    let v = &j[0];
    assert_eq!(v["version_id"], "2024.1");
    assert_eq!(v["tags"], serde_json::json!(["current"]));
    assert_eq!(v["effective_start"], "2024-01-01T00:00:00Z");
    assert_eq!(v["effective_end"], "2024-07-01T00:00:00Z");
    assert_eq!(v["created_by"], "ops");
    let after = tsdb("as-of", &db, &["pa", "2024-08-01"]);
    assert!(after.err().contains("no version was in force"), "{after:?}");
}

/// Writes `good_v1.json`, `bad_v1.json` (malformed on line 3) and `worse_v1.json` (a title that
/// is a number) into `dir`, in the order the import meets them: bad, good, worse.
fn mixed_folder(dir: &Path) -> PathBuf {
    let src = dir.join("in");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("a-bad_v1.json"),
        "{\n  \"structure\": [\n    {\"title\": \"x\",, }\n  ]\n}",
    )
    .unwrap();
    std::fs::copy(sample(1), src.join("b-good_v1.json")).unwrap();
    std::fs::write(
        src.join("c-worse_v1.json"),
        r#"{"structure": [{"title": 5}]}"#,
    )
    .unwrap();
    src
}

#[test]
fn a_bad_file_is_reported_with_its_name_and_json_location_and_the_others_still_import() {
    let dir = TempDir::new().unwrap();
    let src = mixed_folder(dir.path());
    let db = dir.path().join("t.tsdb");
    let run = tsdb("import", &db, &[&src.display().to_string()]);
    assert_eq!(run.code, 1, "{run:?}");
    let bad = src.join("a-bad_v1.json").display().to_string();
    let worse = src.join("c-worse_v1.json").display().to_string();
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{run:?}");
    assert!(errors[0].starts_with(&format!("error: {bad}: ")), "{run:?}");
    assert!(errors[0].contains("line 3, column 19"), "{run:?}");
    assert!(
        errors[1].starts_with(&format!("error: {worse}: ")),
        "{run:?}"
    );
    assert!(
        errors[1].contains("structure[0].title: expected a string"),
        "{run:?}"
    );
    assert!(run.stdout.contains("b-good v1: 17 nodes"), "{run:?}");
    assert!(
        run.stdout.contains("imported 1 of 3 files, 17 nodes in")
            && run.stdout.contains("; 2 failed (see above)"),
        "{run:?}"
    );
    assert_eq!(policies(&db), ["b-good"]);
}

#[test]
fn strict_import_stops_at_the_first_bad_file_and_imports_nothing() {
    let dir = TempDir::new().unwrap();
    let src = mixed_folder(dir.path());
    std::fs::remove_file(src.join("a-bad_v1.json")).unwrap();
    let db = dir.path().join("t.tsdb");
    let run = tsdb("import", &db, &[&src.display().to_string(), "--strict"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("c-worse_v1.json"), "{run:?}");
    assert!(
        run.stdout.starts_with("imported nothing: --strict"),
        "{run:?}"
    );
    assert!(policies(&db).is_empty());
}

#[test]
fn json_import_errors_are_json_on_stderr_and_in_the_summary() {
    let dir = TempDir::new().unwrap();
    let src = mixed_folder(dir.path());
    let db = dir.path().join("t.tsdb");
    let bad = src.join("a-bad_v1.json").display().to_string();
    let run = ts(&["--json", "import", &db.display().to_string(), &bad]);
    assert_eq!(run.code, 1);
    let summary: Json = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["failed"][0]["file"], bad.as_str());
    let err: Json = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(err["error"]["kind"], "invalid argument");
    assert_eq!(err["error"]["file"], bad.as_str());
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 3, column 19"));
}

#[test]
fn import_refuses_two_files_for_one_version_before_writing() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.tsdb");
    let (a, b) = (sample(1), sample(2));
    let run = tsdb(
        "import",
        &db,
        &[
            &a.display().to_string(),
            &b.display().to_string(),
            "--version",
            "v1",
        ],
    );
    assert!(run.err().contains("would both be policy"), "{run:?}");
    assert!(!db.exists());
}

// ---------------------------------------------------------------------------------------------
// reading a version

const TREE_V1_DEPTH_1: &str = "\
advanced-imaging-pa v1: meridian-advanced-imaging-prior-authorization.pdf [root]
├── 1 Purpose and Scope (pp. 1-2) [0000]
├── 2 Definitions (p. 2) [0003]
├── 3 Submission Requirements (pp. 3-4) [0004]
├── 4 Medical Necessity Criteria (pp. 4-6) [0007]
├── 5 Review Timeframes (p. 7) [0011]
├── 6 Denials and Appeals (p. 8) [0014]
└── 7 Retrospective Review (pp. 8-9) [0015]
";

#[test]
fn tree_draws_the_outline_with_page_ranges() {
    let (_dir, db) = demo();
    let out = tsdb("tree", &db, &[POLICY, "--version", "v1", "--depth", "1"]);
    assert_eq!(out.ok(), TREE_V1_DEPTH_1);
    let latest = tsdb("tree", &db, &[POLICY]);
    let latest = latest.ok();
    assert_eq!(latest.lines().count(), 18);
    assert!(latest.contains("│   └── 4.3 Cardiac MRI (pp. 6-7) [0016]\n"));
    assert!(latest.ends_with("└── 8 Provider Exemptions (Gold Carding) (p. 10) [0017]\n"));
    assert!(!latest.contains("CT of the Head"));
}

#[test]
fn tree_reads_the_version_in_force_at_a_date_and_subtrees() {
    let (_dir, db) = demo();
    let run = tsdb(
        "tree",
        &db,
        &[POLICY, "--as-of", "2024-06-30", "--node", "0007"],
    );
    let want = "\
advanced-imaging-pa v2: 4 Medical Necessity Criteria (pp. 4-7) [0007]
├── 4.1 MRI of the Lumbar Spine (pp. 4-5) [0008]
├── 4.2 CT of the Head (p. 5) [0009]
├── 4.3 PET/CT for Oncology (p. 6) [0010]
└── 4.4 Cardiac MRI (pp. 6-7) [0016]
";
    assert_eq!(run.ok(), want);
    let j = ts(&[
        "--json",
        "tree",
        &db.display().to_string(),
        POLICY,
        "--depth",
        "1",
    ])
    .json();
    assert_eq!(j["document"]["version_id"], "v3");
    assert_eq!(j["nodes"].as_array().unwrap().len(), 9);
    assert_eq!(j["nodes"][1]["title"], "Purpose and Scope");
    assert_eq!(j["nodes"][1]["text"], Json::Null);
}

#[test]
fn show_prints_a_node_with_its_path_children_and_text() {
    let (_dir, db) = demo();
    let run = tsdb("show", &db, &[POLICY, "0012", "--version", "v1"]);
    let out = run.ok();
    assert!(
        out.starts_with("5.1 Standard Requests (p. 7) [0012]\n"),
        "{out}"
    );
    assert!(out.contains(
        "path     meridian-advanced-imaging-prior-authorization.pdf > Review Timeframes > Standard Requests"
    ));
    assert!(out.contains("within 15 calendar days of receipt"));
    let by_section = tsdb("show", &db, &[POLICY, "--section", "4", "--no-text"]);
    let out = by_section.ok();
    assert!(out.contains("children  4.1 MRI of the Lumbar Spine (pp. 4-5) [0008]"));
    assert!(!out.contains("\ntext:") && out.contains("\nsummary:\n"));
    let j = ts(&["--json", "show", &db.display().to_string(), POLICY, "0008"]).json();
    assert_eq!(j["node"]["section_path"], "4.1");
    assert_eq!(j["node"]["version_id"], "v3");
    assert!(j["node"]["text"].as_str().unwrap().contains("progressive"));
    let ancestors: Vec<&str> = j["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node_id"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, ["root", "0007"]);
    assert_eq!(j["children"], serde_json::json!([]));
}

#[test]
fn show_of_a_missing_node_fails_with_not_found() {
    let (_dir, db) = demo();
    let run = tsdb("show", &db, &[POLICY, "9999"]);
    assert!(run.err().starts_with("error: not found: "), "{run:?}");
    assert!(run.stderr.contains("node 9999 not found"));
}

#[test]
fn pages_lists_the_nodes_covering_pages() {
    let (_dir, db) = demo();
    let run = tsdb("pages", &db, &[POLICY, "8"]);
    assert_eq!(
        run.ok(),
        "5 Review Timeframes (p. 8) [0011]\n5.1 Standard Requests (p. 8) [0012]\n5.2 Urgent Requests (p. 8) [0013]\n"
    );
    let j = ts(&[
        "--json",
        "pages",
        &db.display().to_string(),
        POLICY,
        "5,9-10",
        "--version",
        "v2",
    ])
    .json();
    let ids: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["0007", "0008", "0009", "0014", "0015"]);
}

#[test]
fn export_reproduces_the_imported_file() {
    let (dir, db) = demo();
    let run = tsdb("export", &db, &[POLICY, "--version", "v2"]);
    assert_eq!(run.ok(), std::fs::read_to_string(sample(2)).unwrap());
    let out = dir.path().join("v1.json");
    tsdb(
        "export",
        &db,
        &[
            POLICY,
            "--as-of",
            "2023-05-01",
            "--compact",
            "-o",
            &out.display().to_string(),
        ],
    )
    .ok();
    let compact = std::fs::read_to_string(&out).unwrap();
    assert_eq!(compact.lines().count(), 1);
    let a: Json = serde_json::from_str(&compact).unwrap();
    let b: Json = serde_json::from_str(&std::fs::read_to_string(sample(1)).unwrap()).unwrap();
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------------------------
// search

#[test]
fn search_reads_the_latest_versions_unless_asked_for_all() {
    let (_dir, db) = demo();
    let run = tsdb("search", &db, &["fax"]);
    let out = run.ok();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.starts_with(
        "1. advanced-imaging-pa v3: 3.2 Submission Channels (pp. 3-4) [0006]  (score "
    ));
    assert!(out.contains("Telephone and «fax» requests"), "{out}");
    let all = tsdb("search", &db, &["fax", "--all-versions"]);
    let versions: Vec<&str> = all
        .ok()
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    assert_eq!(versions, ["v1:", "v2:", "v3:"]);
    let old = tsdb(
        "search",
        &db,
        &["head", "--policy", POLICY, "--version", "v1"],
    );
    assert!(old.ok().contains("4.2 CT of the Head"));
}

#[test]
fn search_json_has_scores_titles_and_marked_snippets() {
    let (_dir, db) = demo();
    let j = ts(&[
        "--json",
        "search",
        &db.display().to_string(),
        "calendar",
        "days",
        "--limit",
        "2",
    ])
    .json();
    let hits = j.as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["node_id"], "0012");
    assert_eq!(hits[0]["title"], "Standard Requests");
    assert!(hits[0]["score"].as_f64().unwrap() >= hits[1]["score"].as_f64().unwrap());
    assert!(hits[0]["snippet"]
        .as_str()
        .unwrap()
        .contains("<b>calendar</b> <b>days</b>"));
    assert_eq!(
        hits[0]["matched_terms"],
        serde_json::json!(["calendar", "days"])
    );
}

#[test]
fn a_malformed_query_is_an_error() {
    let (_dir, db) = demo();
    let run = tsdb("search", &db, &["fax AND"]);
    assert!(run.err().contains("AND needs a term after it"), "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// versions

#[test]
fn versions_and_policies_list_the_catalog() {
    let (_dir, db) = demo();
    let run = tsdb("versions", &db, &[POLICY]);
    let lines: Vec<&str> = run.ok().lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("VERSION"));
    assert!(
        lines[1].starts_with("v3 (latest)  2025-01-01  -  "),
        "{lines:?}"
    );
    assert!(lines[2].starts_with("v2           2024-01-01  2025-01-01  "));
    assert!(lines[3].starts_with("v1           2023-01-01  2024-01-01  "));
    let j = ts(&["--json", "versions", &db.display().to_string(), POLICY]).json();
    assert_eq!(j.as_array().unwrap().len(), 3);
    assert_eq!(j[2]["effective_start"], "2023-01-01T00:00:00Z");
    let list = tsdb("policies", &db, &[]);
    assert!(list
        .ok()
        .contains("advanced-imaging-pa  3         v3      18     Meridian Health Plan"));
    let missing = tsdb("versions", &db, &["nope"]);
    assert!(missing.err().contains("policy nope has no versions"));
}

#[test]
fn as_of_names_the_version_in_force() {
    let (_dir, db) = demo();
    let run = tsdb("as-of", &db, &[POLICY, "2024-06-30"]);
    assert!(run
        .ok()
        .starts_with("advanced-imaging-pa v2: in force from 2024-01-01 until 2025-01-01\n"));
    let latest = tsdb("as-of", &db, &[POLICY, "2030-01-01T08:00:00+02:00"]);
    assert!(latest
        .ok()
        .contains("v3: in force from 2025-01-01 until further notice"));
    let j = ts(&[
        "--json",
        "as-of",
        &db.display().to_string(),
        POLICY,
        "2023-12-31T23:59:59Z",
    ])
    .json();
    assert_eq!(j["version_id"], "v1");
    let before = tsdb("as-of", &db, &[POLICY, "2022-01-01"]);
    assert!(before.err().contains("the first starts later"));
    let bad = tsdb("as-of", &db, &[POLICY, "June 2024"]);
    assert!(
        bad.err().contains("date \"June 2024\" is not a date"),
        "{bad:?}"
    );
}

#[test]
fn diff_lists_added_removed_and_changed_nodes() {
    let (_dir, db) = demo();
    let run = tsdb("diff", &db, &[POLICY, "v1", "v3"]);
    let out = run.ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "advanced-imaging-pa: v1 -> v3");
    assert_eq!(lines[1], "+ 4.3 Cardiac MRI [0016]");
    assert_eq!(lines[2], "+ 8 Provider Exemptions (Gold Carding) [0017]");
    assert_eq!(lines[3], "- 4.2 CT of the Head [0009]");
    assert!(lines.contains(&"~ 5.1 Standard Requests [0012]: pages, summary, text"));
    assert!(lines.contains(&"~ 4.2 PET/CT for Oncology [0010]: position, section_path"));
    assert_eq!(*lines.last().unwrap(), "2 added, 1 removed, 10 changed");
    let j = ts(&[
        "--json",
        "diff",
        &db.display().to_string(),
        POLICY,
        "v2",
        "v3",
    ])
    .json();
    assert_eq!(j["removed"][0]["node_id"], "0009");
    assert_eq!(j["added"][0]["node_id"], "0017");
    let missing = tsdb("diff", &db, &[POLICY, "v1", "v9"]);
    assert!(missing.err().contains("version v9 not found"));
}

// ---------------------------------------------------------------------------------------------
// the file

#[test]
fn stats_count_documents_and_describe_the_file() {
    let (_dir, db) = demo();
    let run = tsdb("stats", &db, &[]);
    let out = run.ok();
    for want in [
        "policies   1\n",
        "versions   3\n",
        "nodes      53 (all versions)\n",
        "readers    0 live\n",
        "last txid  3\n",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }
    assert!(out.contains(" free, 0 pending release\n"));
    assert!(out.contains("\nadvanced-imaging-pa  3         v3      18  "));
    let j = ts(&["--json", "stats", &db.display().to_string()]).json();
    assert_eq!(j["documents"]["nodes"], 53);
    let e = &j["engine"];
    assert_eq!(
        e["used_pages"].as_u64().unwrap()
            + e["free_pages"].as_u64().unwrap()
            + e["pending_pages"].as_u64().unwrap(),
        e["total_pages"].as_u64().unwrap()
    );
    assert!(e["free_pages"].as_u64().unwrap() > 0, "{e}");
    assert_eq!(j["policies"][0]["latest_nodes"], 18);
}

#[test]
fn check_passes_on_a_sound_file() {
    let (_dir, db) = demo();
    let run = tsdb("check", &db, &[]);
    let out = run.ok();
    assert!(out.starts_with("ok: "), "{out}");
    assert!(out.contains("the keyword index matches the documents (53 nodes)"));
    let j = ts(&["--json", "check", &db.display().to_string()]).json();
    assert_eq!(j["ok"], true);
    assert_eq!(j["engine"]["errors"], serde_json::json!([]));
}

const PAGE: usize = 4096;

/// Overwrites 64 bytes in the middle of each of `pages`.
fn damage(db: &Path, pages: impl IntoIterator<Item = usize>) {
    let mut bytes = std::fs::read(db).unwrap();
    for page in pages {
        let at = page * PAGE + PAGE / 2;
        bytes[at..at + 64].fill(0xA5);
    }
    std::fs::write(db, bytes).unwrap();
}

#[test]
fn check_exits_1_with_a_report_on_a_damaged_file() {
    let (_dir, db) = demo();
    let pages = std::fs::metadata(&db).unwrap().len() as usize / PAGE;
    damage(&db, 2..pages);
    let run = tsdb("check", &db, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let mut lines = run.stdout.lines();
    let head = lines.next().unwrap();
    assert!(
        head.starts_with(&format!("DAMAGED: {} (", db.display())),
        "{run:?}"
    );
    let problems: Vec<&str> = lines.collect();
    assert!(!problems.is_empty());
    assert!(problems.iter().all(|p| p.starts_with("  ")));
    assert!(
        run.stdout.contains("checksum") || run.stdout.contains("corrupt"),
        "{run:?}"
    );
    assert!(run.stderr.starts_with("error: the integrity check of "));
    let j = ts(&["--json", "check", &db.display().to_string()]);
    assert_eq!(j.code, 1);
    let report: Json = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert!(!report["problems"].as_array().unwrap().is_empty());
}

#[test]
fn check_names_the_damaged_page_of_a_table_it_can_still_open() {
    let (dir, db) = demo();
    let pages = std::fs::metadata(&db).unwrap().len() as usize / PAGE;
    let copy = dir.path().join("damaged.tsdb");
    // Free pages hold nothing to verify: damage one page at a time until one is in use.
    let found = (2..pages).find_map(|page| {
        std::fs::copy(&db, &copy).unwrap();
        damage(&copy, [page]);
        let run = tsdb("check", &copy, &[]);
        (run.code == 1 && run.stdout.contains("table \"")).then_some((page, run))
    });
    let (page, run) = found.expect("no page in use was found");
    assert!(
        run.stdout
            .contains(&format!("corruption: page {page}: checksum mismatch")),
        "{run:?}"
    );
    assert!(run.stderr.contains("found 1 problem") || run.stderr.contains(" problems"));
}

#[test]
fn checkpoint_compact_and_backup_keep_the_content() {
    let (dir, db) = demo();
    let tree = tsdb("tree", &db, &[POLICY]).ok().to_string();
    let run = tsdb("checkpoint", &db, &[]);
    assert!(run
        .ok()
        .starts_with(&format!("checkpointed {}: ", db.display())));
    let j = ts(&["--json", "checkpoint", &db.display().to_string()]).json();
    assert_eq!(j["wal_pages_copied"], 0);

    let copy = dir.path().join("copy.tsdb");
    let run = tsdb("backup", &db, &[&copy.display().to_string()]);
    assert!(run.ok().starts_with(&format!(
        "backed up {} to {}: ",
        db.display(),
        copy.display()
    )));
    assert_eq!(tsdb("tree", &copy, &[POLICY]).ok(), tree);
    tsdb("check", &copy, &[]).ok();
    let again = tsdb("backup", &db, &[&copy.display().to_string()]);
    assert!(again.err().contains("already exists"), "{again:?}");

    let before = std::fs::metadata(&db).unwrap().len();
    let j = ts(&["--json", "compact", &db.display().to_string()]).json();
    assert!(j["bytes_before"].as_u64().unwrap() >= before);
    assert!(std::fs::metadata(&db).unwrap().len() < before);
    assert_eq!(tsdb("tree", &db, &[POLICY]).ok(), tree);
    let run = tsdb("compact", &db, &[]);
    assert!(run
        .ok()
        .starts_with(&format!("compacted {}: ", db.display())));
    tsdb("check", &db, &[]).ok();
}

// ---------------------------------------------------------------------------------------------
// errors and help

#[test]
fn errors_go_to_stderr_with_exit_code_1() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing.tsdb");
    for cmd in ["stats", "check", "checkpoint", "compact", "policies"] {
        let run = tsdb(cmd, &missing, &[]);
        assert_eq!(
            run.err(),
            format!("error: {}: no such database\n", missing.display()),
            "{cmd}"
        );
    }
    assert!(!missing.exists(), "a read must not create the file");
    let run = ts(&["--json", "tree", &missing.display().to_string(), POLICY]);
    let err: Json = serde_json::from_str(run.err().trim()).unwrap();
    assert_eq!(err["error"]["kind"], "error");
    let (_d, db) = demo();
    let run = ts(&["tree", &db.display().to_string(), "nope", "--json"]);
    let err: Json = serde_json::from_str(run.err().trim()).unwrap();
    assert_eq!(err["error"]["kind"], "not found");
}

#[test]
fn a_database_open_for_writing_elsewhere_is_reported_as_locked() {
    let (_dir, db) = demo();
    let holder = treestore_core::Database::open(&db, treestore_core::Options::default()).unwrap();
    let run = tsdb("tree", &db, &[POLICY]);
    assert!(run.err().contains("database locked"), "{run:?}");
    drop(holder);
    tsdb("tree", &db, &[POLICY]).ok();
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    let run = ts(&["tree"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("Usage:"));
    let run = ts(&["frobnicate"]);
    assert_eq!(run.code, 2);
    let help = ts(&["--help"]);
    assert!(help.ok().contains("Examples:\n  treestore import"));
    for cmd in [
        "import",
        "tree",
        "show",
        "pages",
        "search",
        "policies",
        "versions",
        "as-of",
        "diff",
        "export",
        "stats",
        "check",
        "checkpoint",
        "compact",
        "backup",
    ] {
        let help = ts(&[cmd, "--help"]);
        let text = help.ok();
        assert!(
            text.contains(&format!("Examples:\n  treestore {cmd} ")),
            "{cmd} --help has no example:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Prometheus

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed exposition: HELP and TYPE per family, and the samples in order.
#[derive(Debug, Default)]
struct Exposition {
    help: HashMap<String, String>,
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

/// Parses the Prometheus text format (0.0.4) strictly: every line is a `# HELP`, a `# TYPE` or
/// a sample, each family's HELP and TYPE come once and before its samples, and every sample
/// belongs to a declared family.
fn parse_prometheus(text: &str) -> Exposition {
    let mut exp = Exposition::default();
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    for (n, line) in text.lines().enumerate() {
        let at = || format!("line {}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or_else(|| panic!("{}", at()));
            assert!(valid_name(name), "{}", at());
            assert!(
                exp.help.insert(name.into(), help.into()).is_none(),
                "HELP twice: {}",
                at()
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("{}", at()));
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{}",
                at()
            );
            assert!(
                exp.types.insert(name.into(), kind.into()).is_none(),
                "TYPE twice: {}",
                at()
            );
        } else {
            assert!(!line.starts_with('#') && !line.is_empty(), "{}", at());
            let s = parse_sample(line).unwrap_or_else(|e| panic!("{}: {e}", at()));
            let family = family_of(&s.name, &exp.types);
            assert!(exp.types.contains_key(family), "no TYPE before {}", at());
            assert!(exp.help.contains_key(family), "no HELP before {}", at());
            exp.samples.push(s);
        }
    }
    exp
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to it.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if types.get(base).is_some_and(|t| t == "histogram") {
                return base;
            }
        }
    }
    name
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or("a sample needs a value after its name")?;
    let name = &line[..name_end];
    if !valid_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(body) = rest.strip_prefix('{') {
        let close = body.find('}').ok_or("unclosed label set")?;
        for pair in body[..close].split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or(format!("bad label {pair:?}"))?;
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or(format!("label value not quoted: {pair:?}"))?;
            if !valid_name(k) || labels.insert(k.to_string(), v.to_string()).is_some() {
                return Err(format!("bad or repeated label name {k:?}"));
            }
        }
        rest = &body[close + 1..];
    }
    let value = rest.strip_prefix(' ').ok_or("one space before the value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse::<f64>().map_err(|e| format!("value {v:?}: {e}"))?,
    };
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

/// Checks every histogram: per label set, buckets with increasing `le`, cumulative counts, the
/// last one `+Inf` and equal to `_count`, and a `_sum`. Returns the label sets checked.
fn check_histograms(exp: &Exposition) -> Vec<BTreeMap<String, String>> {
    let mut checked = Vec::new();
    for (family, kind) in &exp.types {
        if kind != "histogram" {
            continue;
        }
        let mut series: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
        for s in exp
            .samples
            .iter()
            .filter(|s| s.name == format!("{family}_bucket"))
        {
            let mut key = s.labels.clone();
            let le = key.remove("le").expect("a bucket has an le label");
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse::<f64>().expect("le is a number")
            };
            series.entry(key).or_default().push((le, s.value));
        }
        for (labels, buckets) in series {
            for pair in buckets.windows(2) {
                assert!(
                    pair[0].0 < pair[1].0,
                    "{family} {labels:?}: le not increasing"
                );
                assert!(
                    pair[0].1 <= pair[1].1,
                    "{family} {labels:?}: not cumulative"
                );
            }
            let last = buckets.last().unwrap();
            assert_eq!(last.0, f64::INFINITY, "{family} {labels:?}: no +Inf bucket");
            let find = |suffix: &str| {
                exp.samples
                    .iter()
                    .find(|s| s.name == format!("{family}{suffix}") && s.labels == labels)
                    .unwrap_or_else(|| panic!("{family}{suffix} {labels:?} missing"))
                    .value
            };
            assert_eq!(
                last.1,
                find("_count"),
                "{family} {labels:?}: +Inf != _count"
            );
            assert!(find("_sum") >= 0.0);
            checked.push(labels);
        }
    }
    checked
}

#[test]
fn stats_prometheus_is_valid_text_format_with_the_runs_own_calls() {
    let (_dir, db) = demo();
    let run = tsdb("stats", &db, &["--prometheus"]);
    let exp = parse_prometheus(run.ok());
    assert_eq!(
        exp.types
            .get("treestore_op_duration_seconds")
            .map(String::as_str),
        Some("histogram")
    );
    let ops: Vec<String> = check_histograms(&exp)
        .into_iter()
        .map(|l| l["op"].clone())
        .collect();
    for op in ["list_versions", "get_version", "get_structure"] {
        assert!(
            ops.iter().any(|o| o == op),
            "no histogram for {op}: {ops:?}"
        );
    }
    let value = |name: &str, labels: &[(&str, &str)]| {
        exp.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(v))
            })
            .unwrap_or_else(|| panic!("{name} {labels:?} missing"))
            .value
    };
    assert_eq!(value("treestore_page_size_bytes", &[]), 4096.0);
    assert!(value("treestore_file_size_bytes", &[]) > 0.0);
    assert!(value("treestore_pages", &[("state", "free")]) > 0.0);
    assert_eq!(value("treestore_last_txid", &[]), 3.0);
    assert_eq!(
        value("treestore_op_errors_total", &[("op", "get_structure")]),
        0.0
    );
    // --prometheus wins over --json.
    let both = ts(&["--json", "stats", &db.display().to_string(), "--prometheus"]);
    parse_prometheus(both.ok());
}

#[test]
fn the_prometheus_parser_rejects_what_the_format_forbids() {
    let ok = "# HELP a_seconds x\n# TYPE a_seconds histogram\n\
              a_seconds_bucket{le=\"1\"} 1\na_seconds_bucket{le=\"+Inf\"} 2\n\
              a_seconds_sum 0.5\na_seconds_count 2\n";
    assert_eq!(check_histograms(&parse_prometheus(ok)).len(), 1);
    for bad in [
        "b 1\n",
        "# HELP b x\n# TYPE b gauge\nb{l=1} 1\n",
        "# HELP b x\n# TYPE b gauge\nb  1\n",
        "# HELP b x\n# TYPE b gauge\nb one\n",
    ] {
        let got = std::panic::catch_unwind(|| parse_prometheus(bad));
        assert!(got.is_err(), "accepted {bad:?}");
    }
    let not_cumulative = ok.replace("} 2\n", "} 0\n");
    let got = std::panic::catch_unwind(|| check_histograms(&parse_prometheus(&not_cumulative)));
    assert!(got.is_err());
    let count_differs = ok.replace("a_seconds_count 2", "a_seconds_count 3");
    let got = std::panic::catch_unwind(|| check_histograms(&parse_prometheus(&count_differs)));
    assert!(got.is_err());
}
