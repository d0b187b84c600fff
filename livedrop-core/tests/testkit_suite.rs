//! The conformance suite runs every testkit case: a case written in a testkit module but not
//! listed in `conformance_suite!` would compile, pass, and never run against any backend.
//!
//! Reads the testkit's sources rather than its items, so it needs no feature and sees a
//! module file added later too.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Files of the testkit's folder that hold no cases: the module root, the macro itself and
/// the builders and checks the cases share.
const NOT_CASE_MODULES: [&str; 3] = ["mod", "suite", "fixtures"];

fn testkit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/testkit")
}

/// Every case of every testkit module, by module: the `pub async fn`s that take one
/// argument (the ports, or one port) and return nothing, as the suite calls them.
/// Helpers with more arguments or a result (`race_for_stock`, `audit_of`, ...) are not
/// cases. The simulation (`sim/`) is not part of the suite.
fn cases_in_sources() -> BTreeMap<String, BTreeSet<String>> {
    let mut cases = BTreeMap::new();
    for entry in fs::read_dir(testkit_dir()).expect("the testkit folder") {
        let path = entry.expect("a testkit file").path();
        let Some(module) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".rs"))
        else {
            continue;
        };
        if NOT_CASE_MODULES.contains(&module) {
            continue;
        }
        let source = fs::read_to_string(&path).expect("a readable testkit file");
        let found: BTreeSet<String> = public_async_fns(&source)
            .into_iter()
            .filter(|f| f.arguments == 1 && !f.returns)
            .map(|f| f.name)
            .collect();
        cases.insert(module.to_owned(), found);
    }
    cases
}

struct AsyncFn {
    name: String,
    arguments: usize,
    returns: bool,
}

/// The `pub async fn`s at the start of a line (items, not comments or strings).
fn public_async_fns(source: &str) -> Vec<AsyncFn> {
    const START: &str = "\npub async fn ";
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(START) {
        rest = &rest[at + START.len()..];
        let name_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_owned();
        // The signature runs to the body's opening brace; generics come before the
        // arguments, so the first `(` opens the argument list.
        let signature = &rest[..rest.find('{').unwrap_or(rest.len())];
        let open = signature.find('(').expect("an argument list");
        let (arguments, after) = split_arguments(&signature[open + 1..]);
        found.push(AsyncFn {
            name,
            arguments,
            returns: after.contains("->"),
        });
    }
    found
}

/// Counts the arguments of a list that starts just after its `(`, and returns what follows
/// its closing `)`.
fn split_arguments(list: &str) -> (usize, &str) {
    let (mut depth, mut arguments, mut pending) = (0_i32, 0, false);
    let mut previous = ' ';
    for (i, c) in list.char_indices() {
        let arrow = previous == '-';
        previous = c;
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' if depth == 0 => return (arguments + usize::from(pending), &list[i + 1..]),
            // The `>` of a `->` (in a closure type) closes nothing.
            '>' if arrow => {}
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                arguments += usize::from(pending);
                pending = false;
            }
            c if !c.is_whitespace() => pending = true,
            _ => {}
        }
    }
    panic!("an argument list without its closing parenthesis");
}

/// The cases `conformance_suite!` lists, by module: each `@module (...) ports MODULE (...)`
/// arm's two bracketed lists (single-threaded and multi-threaded cases).
fn cases_in_suite() -> BTreeMap<String, BTreeSet<String>> {
    let suite = fs::read_to_string(testkit_dir().join("suite.rs")).expect("suite.rs");
    const ARM: &str = "$crate::conformance_suite!(@module ($make) ports ";
    let mut listed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut rest = suite.as_str();
    while let Some(at) = rest.find(ARM) {
        rest = &rest[at + ARM.len()..];
        let module_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .expect("a module name");
        let module = rest[..module_end].to_owned();
        let arm = &rest[..rest.find(");").expect("the end of the arm")];
        let names = listed.entry(module).or_default();
        for list in arm.split('[').skip(1) {
            let list = &list[..list.find(']').expect("a closed list")];
            names.extend(
                list.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    listed
}

#[test]
fn every_testkit_case_is_listed_in_the_suite() {
    let written = cases_in_sources();
    let listed = cases_in_suite();
    // The reading itself must work, or an empty list would pass.
    assert!(
        written.get("ledger").is_some_and(|c| c.len() > 5),
        "no cases read from the ledger module: {written:?}"
    );
    assert!(
        listed.get("ledger").is_some_and(|c| c.len() > 5),
        "no cases read from the suite: {listed:?}"
    );

    let missing: Vec<String> = written
        .iter()
        .flat_map(|(module, cases)| {
            let in_suite = listed.get(module);
            cases
                .iter()
                .filter(move |case| !in_suite.is_some_and(|l| l.contains(*case)))
                .map(move |case| format!("{module}::{case}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "testkit cases not listed in `conformance_suite!` (src/testkit/suite.rs), so no \
         backend runs them: {missing:?}"
    );
}

#[test]
fn the_suite_lists_only_cases_the_testkit_has() {
    let written = cases_in_sources();
    let unknown: Vec<String> = cases_in_suite()
        .iter()
        .flat_map(|(module, cases)| {
            let in_source = written.get(module);
            cases
                .iter()
                .filter(move |case| !in_source.is_some_and(|w| w.contains(*case)))
                .map(move |case| format!("{module}::{case}"))
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "`conformance_suite!` lists cases the testkit does not define as cases: {unknown:?}"
    );
}
