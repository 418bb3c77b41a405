//! `treestore`: the command-line tool over `treestore-core`. Import PageIndex trees, browse,
//! search and diff their versions, and look after the database file.
//!
//! Conventions: results, and nothing else, go to stdout (text, or JSON with `--json`); progress
//! bars and errors go to stderr. Exit codes: 0 success, 1 an error or a finding (damage, a file
//! that failed to import), 2 a usage error (clap's).

#![forbid(unsafe_code)]

mod args;
mod commands;
mod draw;
mod output;
mod store;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

use args::{Cli, Command};
use commands::{admin, browse, history, import, search};
use output::Out;

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Done.
    Ok,
    /// Done, but with a finding the command has already reported (damage, failed files).
    Failed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Out::new(cli.json);
    let result = run(&cli.command, &mut out).and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    match result {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::FAILURE,
        // A reader that stopped early (`treestore tree ... | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, cli.json);
            ExitCode::FAILURE
        }
    }
}

fn run(command: &Command, out: &mut Out) -> anyhow::Result<Status> {
    match command {
        Command::Import(a) => import::run(a, out),
        Command::Tree(a) => browse::tree(a, out),
        Command::Show(a) => browse::show(a, out),
        Command::Pages(a) => browse::pages(a, out),
        Command::Export(a) => browse::export(a, out),
        Command::Search(a) => search::run(a, out),
        Command::Policies(a) => history::policies(a, out),
        Command::Versions(a) => history::versions(a, out),
        Command::AsOf(a) => history::as_of(a, out),
        Command::Diff(a) => history::diff(a, out),
        Command::Stats(a) => admin::stats(a, out),
        Command::Check(a) => admin::check(a, out),
        Command::Checkpoint(a) => admin::checkpoint(a, out),
        Command::Compact(a) => admin::compact(a, out),
        Command::Backup(a) => admin::backup(a, out),
    }
}

/// The error on stderr: `error: context: cause`, or one JSON object with `--json` whose `kind` is
/// the store's error kind when there is one.
fn report(e: &anyhow::Error, as_json: bool) {
    let message = format!("{e:#}");
    let mut stderr = io::stderr().lock();
    if as_json {
        let kind = e
            .downcast_ref::<treestore_core::Error>()
            .map_or("error", |e| e.kind().name());
        let _ = writeln!(
            stderr,
            "{}",
            json!({"error": {"kind": kind, "message": message}})
        );
    } else {
        let _ = writeln!(stderr, "error: {message}");
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
