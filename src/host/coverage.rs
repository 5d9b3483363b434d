//! Statement coverage for `qirvo test --coverage`, written as lcov.
//!
//! It reuses the debugger's instrumentation (`src/instrument.rs`): a test run with coverage
//! loads each plugin in debug mode, so every statement that runs has a *site* before it on
//! its own line of the original `.ts`/`.js` text, and the agent counts how often each site
//! ran (`js/debug.js`). After a test file's run the counts are read with the site table
//! (file, line, column) and summed here, across test files and plugins:
//!
//! - a line's hits are those of its most-executed statement (as istanbul/nyc count), and a
//!   line is *found* when a statement starts on it: lines inside a multi-line statement,
//!   comments, types and braces are neither found nor missed;
//! - a function's hits are those of its first statement; a function with no statement of
//!   its own (an expression-bodied arrow, an empty body) is not listed.
//!
//! Only modules that were loaded appear (a file no test imports is absent, as in Deno's
//! coverage). Branches are not measured: a braceless `if (x) y();` is one statement.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileCoverage {
    /// The file relative to its plugin directory (for summaries).
    pub relative: PathBuf,
    /// Executions of each statement, by its 1-based `(line, column)`.
    statements: BTreeMap<(u32, u32), u64>,
    /// Functions by `(line, column, name)`: the hits of their first statement.
    functions: BTreeMap<(u32, u32, String), u64>,
}

impl FileCoverage {
    /// Hits per line that has a statement (its most-executed statement's count).
    pub fn lines(&self) -> BTreeMap<u32, u64> {
        let mut out = BTreeMap::new();
        for (&(line, _), &n) in &self.statements {
            let e = out.entry(line).or_insert(0);
            *e = (*e).max(n);
        }
        out
    }

    /// `(lines found, lines hit)`.
    pub fn line_counts(&self) -> (usize, usize) {
        let lines = self.lines();
        (lines.len(), lines.values().filter(|n| **n > 0).count())
    }

    /// `(functions found, functions hit)`.
    pub fn function_counts(&self) -> (usize, usize) {
        (
            self.functions.len(),
            self.functions.values().filter(|n| **n > 0).count(),
        )
    }
}

/// Coverage of a test run, by absolute source path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    pub files: BTreeMap<PathBuf, FileCoverage>,
}

impl Coverage {
    /// Adds `hits` executions of the statement at `line:column` of `path`.
    pub(crate) fn add_statement(
        &mut self,
        path: &Path,
        relative: &Path,
        line: u32,
        column: u32,
        hits: u64,
    ) {
        let f = self.file(path, relative);
        let n = f.statements.entry((line, column)).or_insert(0);
        *n = n.saturating_add(hits);
    }

    /// Adds `hits` calls of the function `name` starting at `line:column` of `path`.
    pub(crate) fn add_function(
        &mut self,
        path: &Path,
        relative: &Path,
        (line, column, name): (u32, u32, &str),
        hits: u64,
    ) {
        let f = self.file(path, relative);
        let n = f
            .functions
            .entry((line, column, name.to_string()))
            .or_insert(0);
        *n = n.saturating_add(hits);
    }

    fn file(&mut self, path: &Path, relative: &Path) -> &mut FileCoverage {
        self.files
            .entry(path.to_path_buf())
            .or_insert_with(|| FileCoverage {
                relative: relative.to_path_buf(),
                ..FileCoverage::default()
            })
    }

    /// Adds another run's coverage to this one.
    pub fn merge(&mut self, other: Coverage) {
        for (path, f) in other.files {
            for ((line, column), n) in f.statements {
                self.add_statement(&path, &f.relative, line, column, n);
            }
            for ((line, column, name), n) in f.functions {
                self.add_function(&path, &f.relative, (line, column, &name), n);
            }
        }
    }

    /// The lcov tracefile (`lcov.info`, as genhtml and Codecov read it): per file
    /// `SF`, `FN`/`FNDA`/`FNF`/`FNH`, `DA`/`LF`/`LH`, `end_of_record`.
    pub fn lcov(&self) -> String {
        let mut out = String::new();
        for (path, f) in &self.files {
            let _ = writeln!(out, "TN:");
            let _ = writeln!(out, "SF:{}", path.display());
            for (line, _, name) in f.functions.keys() {
                let _ = writeln!(out, "FN:{line},{name}");
            }
            for ((_, _, name), n) in &f.functions {
                let _ = writeln!(out, "FNDA:{n},{name}");
            }
            let (found, hit) = f.function_counts();
            let _ = writeln!(out, "FNF:{found}");
            let _ = writeln!(out, "FNH:{hit}");
            for (line, n) in f.lines() {
                let _ = writeln!(out, "DA:{line},{n}");
            }
            let (found, hit) = f.line_counts();
            let _ = writeln!(out, "LF:{found}");
            let _ = writeln!(out, "LH:{hit}");
            let _ = writeln!(out, "end_of_record");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_take_their_busiest_statement_and_runs_add_up() {
        let p = Path::new("/p/main.ts");
        let r = Path::new("main.ts");
        let mut a = Coverage::default();
        a.add_statement(p, r, 1, 1, 1);
        a.add_statement(p, r, 2, 3, 0);
        a.add_statement(p, r, 3, 1, 2);
        a.add_statement(p, r, 3, 12, 5);
        a.add_function(p, r, (2, 1, "f"), 0);
        let mut b = Coverage::default();
        b.add_statement(p, r, 3, 12, 1);
        b.add_function(p, r, (2, 1, "f"), 0);
        b.add_function(p, r, (3, 1, "g"), 4);
        a.merge(b);
        assert_eq!(
            a.lcov(),
            "TN:\nSF:/p/main.ts\nFN:2,f\nFN:3,g\nFNDA:0,f\nFNDA:4,g\nFNF:2\nFNH:1\nDA:1,1\nDA:2,0\nDA:3,6\nLF:3\nLH:2\nend_of_record\n"
        );
    }
}
