//! The command line: every subcommand, its arguments and its help text with examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str = "\
TreeStore: an embedded, crash-safe database for trees of document sections (PageIndex outputs),
with versions, effective dates and keyword search.

Results go to stdout, progress and errors to stderr. Exit codes: 0 success, 1 an error or damage
found (errors are on stderr), 2 a usage error.";

const EXAMPLES: &str = "\
Examples:
  treestore import policies.tsdb examples/data/advanced-imaging-pa_v1.json --effective-from 2023-01-01
  treestore tree policies.tsdb advanced-imaging-pa --depth 1
  treestore search policies.tsdb \"lumbar MRI\"
  treestore diff policies.tsdb advanced-imaging-pa v1 v3
  treestore stats policies.tsdb --prometheus
  treestore --json versions policies.tsdb advanced-imaging-pa | jq '.[].version_id'";

/// The `treestore` command.
#[derive(Parser, Debug)]
#[command(name = "treestore", version, about = ABOUT, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// Print results as JSON (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Import PageIndex JSON files (or every .json file of a folder) as document versions.
    #[command(after_help = IMPORT_EXAMPLES)]
    Import(ImportArgs),
    /// Draw a version's outline as an indented tree with page ranges.
    #[command(after_help = TREE_EXAMPLES)]
    Tree(TreeArgs),
    /// Show one node: its place in the tree, pages, summary and text.
    #[command(after_help = SHOW_EXAMPLES)]
    Show(ShowArgs),
    /// List the nodes whose page ranges meet some pages.
    #[command(after_help = PAGES_EXAMPLES)]
    Pages(PagesArgs),
    /// Keyword search (BM25) over titles, summaries and texts.
    #[command(after_help = SEARCH_EXAMPLES)]
    Search(SearchArgs),
    /// List the policies with their version counts and latest versions.
    #[command(after_help = "Examples:\n  treestore policies policies.tsdb")]
    Policies(DbArg),
    /// List a policy's versions, newest first, with their effective periods.
    #[command(after_help = "Examples:\n  treestore versions policies.tsdb advanced-imaging-pa")]
    Versions(PolicyArgs),
    /// The version of a policy in force at a date.
    #[command(after_help = AS_OF_EXAMPLES)]
    AsOf(AsOfArgs),
    /// What changed between two versions of a policy, node by node.
    #[command(after_help = "Examples:\n  treestore diff policies.tsdb advanced-imaging-pa v1 v3")]
    Diff(DiffArgs),
    /// Write a version back out as PageIndex JSON.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(ExportArgs),
    /// Counts, sizes, page usage, WAL size and readers; or every metric for Prometheus.
    #[command(after_help = STATS_EXAMPLES)]
    Stats(StatsArgs),
    /// Verify every page checksum, tree invariant and the keyword index; exit 1 on damage.
    #[command(after_help = "Examples:\n  treestore check policies.tsdb || echo damaged")]
    Check(DbArg),
    /// Copy every committed page from the WAL into the main file and empty the WAL.
    #[command(after_help = "Examples:\n  treestore checkpoint policies.tsdb")]
    Checkpoint(DbArg),
    /// Rewrite the database without free pages (needs no other process to have it open).
    #[command(after_help = "Examples:\n  treestore compact policies.tsdb")]
    Compact(DbArg),
    /// Write a consistent, compacted copy of the database to a new file.
    #[command(after_help = BACKUP_EXAMPLES)]
    Backup(BackupArgs),
}

/// Only a database.
#[derive(Args, Debug)]
pub(crate) struct DbArg {
    /// The database file.
    pub db: PathBuf,
}

/// A database and a policy.
#[derive(Args, Debug)]
pub(crate) struct PolicyArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
}

/// Which version to read: a named one, the one in force at a date, or the latest.
#[derive(Args, Debug, Default)]
pub(crate) struct VersionSel {
    /// Read this version (default: the latest).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    /// Read the version in force at this date (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", conflicts_with = "version")]
    pub as_of: Option<String>,
}

const IMPORT_EXAMPLES: &str = "\
Policy and version ids come from --policy and --version, or else from each file name:
  NAME@VERSION.json, NAME_vN.json, NAME-vN.json or NAME.vN.json; a plain NAME.json is version v1.
  A trailing _structure (PageIndex's naming) is dropped first. Importing an existing version
  replaces it.

A file that fails is reported with its name and where in the JSON it failed, and the others are
still imported (exit code 1). With --strict the import stops at the first bad file and imports
nothing at all (one transaction).

Examples:
  treestore import policies.tsdb examples/data/advanced-imaging-pa_v1.json --effective-from 2023-01-01
  treestore import policies.tsdb report.json --policy annual-report --version 2023 --tag current
  treestore import policies.tsdb ./pageindex-output/ --strict";

/// `treestore import`.
#[derive(Args, Debug)]
pub(crate) struct ImportArgs {
    /// The database file (created when missing).
    pub db: PathBuf,
    /// PageIndex JSON files, or folders whose .json files are all imported.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Policy id for every file (default: from each file name).
    #[arg(long)]
    pub policy: Option<String>,
    /// Version id for every file (default: from each file name, else v1).
    #[arg(long)]
    pub version: Option<String>,
    /// Start of the validity period (YYYY-MM-DD or RFC 3339; default: the time of import).
    #[arg(long, value_name = "DATE")]
    pub effective_from: Option<String>,
    /// End of the validity period, exclusive (default: when the next version starts).
    #[arg(long, value_name = "DATE")]
    pub effective_to: Option<String>,
    /// Tag the imported versions (repeatable); a tag names one version of a policy at a time.
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Recorded as who stored the versions.
    #[arg(long, value_name = "NAME")]
    pub created_by: Option<String>,
    /// Description of the versions, for files without a doc_description.
    #[arg(long)]
    pub description: Option<String>,
    /// Stop at the first bad file and import nothing.
    #[arg(long)]
    pub strict: bool,
}

const TREE_EXAMPLES: &str = "\
Each line reads: section path, title, pages, [node id]. The node id is what `show` takes.

Examples:
  treestore tree policies.tsdb advanced-imaging-pa
  treestore tree policies.tsdb advanced-imaging-pa --version v1 --depth 1
  treestore tree policies.tsdb advanced-imaging-pa --as-of 2024-06-30 --node 0007";

/// `treestore tree`.
#[derive(Args, Debug)]
pub(crate) struct TreeArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
    #[command(flatten)]
    pub sel: VersionSel,
    /// Levels to draw below the top node (default: all).
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
    /// Draw the subtree of this node instead of the whole document.
    #[arg(long, value_name = "NODE_ID")]
    pub node: Option<String>,
}

const SHOW_EXAMPLES: &str = "\
Examples:
  treestore show policies.tsdb advanced-imaging-pa 0008
  treestore show policies.tsdb advanced-imaging-pa --section 4.1 --version v1";

/// `treestore show`.
#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
    /// The node id (see `tree`).
    #[arg(required_unless_present = "section", conflicts_with = "section")]
    pub node: Option<String>,
    /// Find the node by its section path (such as 4.1) instead of its id.
    #[arg(long, value_name = "PATH")]
    pub section: Option<String>,
    #[command(flatten)]
    pub sel: VersionSel,
    /// Leave out the text.
    #[arg(long)]
    pub no_text: bool,
}

const PAGES_EXAMPLES: &str = "\
Examples:
  treestore pages policies.tsdb advanced-imaging-pa 7
  treestore pages policies.tsdb advanced-imaging-pa 3-5,8";

/// `treestore pages`.
#[derive(Args, Debug)]
pub(crate) struct PagesArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
    /// Pages: a page, a range, or a comma-separated list of them (such as 3-5,8).
    pub pages: String,
    #[command(flatten)]
    pub sel: VersionSel,
}

const SEARCH_EXAMPLES: &str = "\
Query language: words are ANDed; OR, AND, NOT (uppercase), \"exact phrases\", prefix*, (groups).
By default the latest version of each policy is searched.

Examples:
  treestore search policies.tsdb lumbar MRI
  treestore search policies.tsdb '\"calendar days\" OR hours' --policy advanced-imaging-pa
  treestore search policies.tsdb fax --policy advanced-imaging-pa --all-versions";

/// `treestore search`.
#[derive(Args, Debug)]
pub(crate) struct SearchArgs {
    /// The database file.
    pub db: PathBuf,
    /// The query (several arguments are joined with spaces).
    #[arg(required = true)]
    pub query: Vec<String>,
    /// Search this policy only.
    #[arg(long)]
    pub policy: Option<String>,
    /// With --policy: search this version only.
    #[arg(long, requires = "policy", conflicts_with = "all_versions")]
    pub version: Option<String>,
    /// Search every version, not only the latest of each policy.
    #[arg(long)]
    pub all_versions: bool,
    /// Most hits to print.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip, for paging.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}

const AS_OF_EXAMPLES: &str = "\
Examples:
  treestore as-of policies.tsdb advanced-imaging-pa 2024-06-30
  treestore as-of policies.tsdb advanced-imaging-pa 2024-06-30T12:00:00-05:00";

/// `treestore as-of`.
#[derive(Args, Debug)]
pub(crate) struct AsOfArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
    /// The date (YYYY-MM-DD, midnight UTC, or RFC 3339).
    pub date: String,
}

/// `treestore diff`.
#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
    /// The older version.
    pub from: String,
    /// The newer version.
    pub to: String,
}

const EXPORT_EXAMPLES: &str = "\
With the defaults the output is byte for byte the PageIndex file that was imported.

Examples:
  treestore export policies.tsdb advanced-imaging-pa --version v2 > v2.json
  treestore export policies.tsdb advanced-imaging-pa --compact --utf8 -o latest.json";

/// `treestore export`.
#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// The database file.
    pub db: PathBuf,
    /// The policy id.
    pub policy: String,
    #[command(flatten)]
    pub sel: VersionSel,
    /// One line, no indentation.
    #[arg(long)]
    pub compact: bool,
    /// Write non-ASCII characters as UTF-8 rather than \uXXXX escapes.
    #[arg(long)]
    pub utf8: bool,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const STATS_EXAMPLES: &str = "\
Operation latencies in --prometheus cover the calls of this run (the store reads that `stats`
itself makes); commits and checkpoints likewise. The engine gauges describe the file.

Examples:
  treestore stats policies.tsdb
  treestore stats policies.tsdb --prometheus > /var/lib/node_exporter/treestore.prom";

/// `treestore stats`.
#[derive(Args, Debug)]
pub(crate) struct StatsArgs {
    /// The database file.
    pub db: PathBuf,
    /// Print every metric in the Prometheus text format instead (overrides --json).
    #[arg(long)]
    pub prometheus: bool,
}

const BACKUP_EXAMPLES: &str = "\
The copy is one snapshot: commits made after it starts are not in it. The database is opened
read-only, so other readers go on; a process that has it open for writing must take the backup
itself (the library's backup, which runs beside its writers).

Examples:
  treestore backup policies.tsdb /backups/policies-$(date +%F).tsdb";

/// `treestore backup`.
#[derive(Args, Debug)]
pub(crate) struct BackupArgs {
    /// The database file.
    pub db: PathBuf,
    /// The new file (must not exist).
    pub dest: PathBuf,
}
