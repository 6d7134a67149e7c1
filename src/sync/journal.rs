//! The journal of an apply: JSON lines in a file of the caller's choosing. Its first
//! line is the plan (every change, and what each update is recomputed from); then,
//! for each change, an `intent` line written, flushed and synced before its request is
//! sent, and a `done` line with its result after. A run killed at any point (SIGKILL
//! included) leaves a journal that [`Journal::resume`] reads back: what is done is
//! not sent again, and a change whose intent has no result is checked against the
//! server before it is retried (a create whose group exists is not sent twice).
//! Holds no token: the plan, group names, ids, members and guests only.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::plan::{Change, Plan};
use super::{DesiredGroup, Ignore};
use crate::model::Group;

/// One line of a journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
enum Entry {
    /// The plan being applied.
    Plan {
        changes: Vec<Change>,
        wanted: Vec<Option<DesiredGroup>>,
        /// Each change's group as read when planned (for undo).
        #[serde(default)]
        before: Vec<Option<Group>>,
        ignore: Ignore,
        add_only: bool,
    },
    /// Change `seq` is about to be sent.
    Intent { seq: usize },
    /// Change `seq` ended: `error` is the message if it failed; `id` the group's id
    /// as the server answered (a created group's new id, for undo).
    Done {
        seq: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

/// An open journal, appended to by an apply.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

/// A journal read back: the plan it was applying, and what had happened to each change.
#[derive(Debug)]
pub struct Resumed {
    /// The plan of the interrupted run.
    pub plan: Plan,
    /// Changes that ended well: not sent again.
    pub done: BTreeSet<usize>,
    /// Changes announced but without a result: the run may have died after sending.
    pub unknown: BTreeSet<usize>,
    /// The group id each done change answered with (a created group's new id).
    pub ids: BTreeMap<usize, String>,
}

impl Journal {
    /// Starts a journal at `path` for `plan` (the file must not exist: a journal is
    /// never overwritten), its first line written and synced.
    pub fn create(path: &Path, plan: &Plan) -> Result<Journal, String> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| format!("{}: cannot start a journal: {e}", path.display()))?;
        let journal = Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
        };
        journal.append(&Entry::Plan {
            changes: plan.changes.clone(),
            wanted: plan.wanted.clone(),
            before: plan.before.clone(),
            ignore: plan.ignore.clone(),
            add_only: plan.add_only,
        })?;
        Ok(journal)
    }

    /// Reads the journal at `path` and opens it to append the resumed run's lines.
    pub fn resume(path: &Path) -> Result<(Journal, Resumed), String> {
        let name = path.display();
        let file = File::open(path).map_err(|e| format!("{name}: {e}"))?;
        let mut lines = BufReader::new(file).lines().enumerate();
        let mut plan = match lines.next() {
            Some((_, Ok(line))) => match serde_json::from_str::<Entry>(&line) {
                Ok(Entry::Plan {
                    changes,
                    wanted,
                    mut before,
                    ignore,
                    add_only,
                }) => {
                    before.resize(changes.len(), None);
                    Plan::resumed(changes, wanted, before, ignore, add_only)
                }
                _ => {
                    return Err(format!(
                        "{name}:1: not a journal (its first line is not a plan)"
                    ));
                }
            },
            _ => return Err(format!("{name}: empty, not a journal")),
        };
        let (mut done, mut unknown, mut ids) = (BTreeSet::new(), BTreeSet::new(), BTreeMap::new());
        for (i, line) in lines {
            let line = line.map_err(|e| format!("{name}:{}: {e}", i + 1))?;
            // A line cut short by a kill is the last one: its change stays unknown.
            let Ok(entry) = serde_json::from_str::<Entry>(&line) else {
                continue;
            };
            match entry {
                Entry::Intent { seq } => {
                    unknown.insert(seq);
                }
                Entry::Done { seq, error, id } => {
                    unknown.remove(&seq);
                    if error.is_none() {
                        done.insert(seq);
                        if let Some(id) = id {
                            ids.insert(seq, id);
                        }
                    }
                }
                Entry::Plan { .. } => {
                    return Err(format!("{name}:{}: a second plan in one journal", i + 1));
                }
            }
        }
        plan.recount();
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| format!("{name}: {e}"))?;
        let journal = Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
        };
        Ok((
            journal,
            Resumed {
                plan,
                done,
                unknown,
                ids,
            },
        ))
    }

    /// Where the journal is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn intent(&self, seq: usize) -> Result<(), String> {
        self.append(&Entry::Intent { seq })
    }

    pub(super) fn done(
        &self,
        seq: usize,
        error: Option<String>,
        id: Option<String>,
    ) -> Result<(), String> {
        self.append(&Entry::Done { seq, error, id })
    }

    /// One line, flushed and synced before this returns.
    fn append(&self, entry: &Entry) -> Result<(), String> {
        let mut line = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        (file.write_all(&line))
            .and_then(|()| file.flush())
            .and_then(|()| file.sync_data())
            .map_err(|e| format!("{}: cannot write the journal: {e}", self.path.display()))
    }
}
