//! `export` and `plan`: the organisation's groups as a desired-state file, and what
//! an apply of such a file would change. Both read the organisation once, completely
//! (a paced, concurrent listing that fails rather than come up short); neither writes.

use std::path::PathBuf;
use std::time::Duration;

use futures::TryStreamExt;
use serde_json::json;
use tallyfy_groups::sync::{
    Change, DesiredGroup, DesiredState, Journal, MaxRemovals, Outcome, Plan,
};
use tallyfy_groups::{Client, Error, Group};

use crate::Failure;
use crate::file;
use crate::progress::Progress;

/// The quotas Tallyfy publishes per organisation, used for the plan's estimate.
const PUBLISHED_QUOTAS: [(u32, Duration); 2] = [
    (100, Duration::from_secs(60)),
    (1000, Duration::from_secs(3600)),
];

/// Every group of the organisation.
async fn read_all(client: &Client) -> Result<Vec<Group>, Error> {
    client
        .groups()
        .list()
        .into_paginator()
        .concurrency(4)
        .items()
        .try_collect()
        .await
}

/// Writes the organisation's groups as a desired-state file (to `output`, or stdout).
pub async fn export(client: &Client, output: Option<PathBuf>) -> Result<(), Failure> {
    let mut groups = read_all(client).await?;
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let state = DesiredState {
        groups: groups
            .iter()
            .map(|g| {
                Ok(DesiredGroup {
                    name: g.name.clone(),
                    id: None,
                    description: g.description.clone().filter(|d| !d.trim().is_empty()),
                    members: Some(g.member_ids()?),
                    guests: Some(g.guests.clone()),
                })
            })
            .collect::<Result<_, Error>>()?,
        ..DesiredState::default()
    };
    let yaml = file::to_yaml(&state).map_err(Failure::File)?;
    match output {
        Some(path) => std::fs::write(&path, yaml)
            .map_err(|e| Failure::File(format!("{}: {e}", path.display()))),
        None => {
            print!("{yaml}");
            Ok(())
        }
    }
}

/// The plan of the file at `path` against the organisation as read now.
async fn plan_of(client: &Client, path: &std::path::Path) -> Result<Plan, Failure> {
    let desired = file::read(path).map_err(Failure::File)?;
    let groups = read_all(client).await?;
    Plan::new(&desired, &groups).map_err(|problems| {
        let lines: Vec<String> = (problems.iter())
            .map(|p| format!("{}: {p}", path.display()))
            .collect();
        Failure::File(lines.join("\n"))
    })
}

/// Prints what applying `path` would change (and saves the plan to `out`). Returns
/// whether anything would change.
pub async fn plan(
    client: &Client,
    path: PathBuf,
    json: bool,
    out: Option<PathBuf>,
) -> Result<bool, Failure> {
    let plan = plan_of(client, &path).await?;
    if let Some(out) = out {
        std::fs::write(&out, plan.to_saved())
            .map_err(|e| Failure::File(format!("{}: {e}", out.display())))?;
    }
    print_plan(&plan, json, client);
    Ok(!plan.is_empty())
}

/// Applies a plan saved by `plan --out` (with `--yes`): a group that changed since it
/// was planned is not written, and is reported stale.
pub async fn apply_saved(
    client: &Client,
    path: PathBuf,
    args: ApplyArgs,
    json: bool,
) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::File(format!("{}: {e}", path.display())))?;
    let plan =
        Plan::from_saved(&text).map_err(|e| Failure::File(format!("{}: {e}", path.display())))?;
    run_apply(client, plan, args, json).await
}

/// What `apply` was asked to do besides the file.
pub struct ApplyArgs {
    pub yes: bool,
    pub max_removals: Option<MaxRemovals>,
    pub add_only: bool,
    pub concurrency: usize,
    pub journal: Option<PathBuf>,
}

/// Plans the file, and with `--yes` applies it: refused whole, with nothing sent, when
/// it removes more than `--max-removals` allows; otherwise every change is tried, a
/// line printed for each, and the command fails if any did.
pub async fn apply(
    client: &Client,
    path: PathBuf,
    args: ApplyArgs,
    json: bool,
) -> Result<(), Failure> {
    run_apply(client, plan_of(client, &path).await?, args, json).await
}

/// Prints `plan`, and with `--yes` checks its removals and applies it.
async fn run_apply(
    client: &Client,
    mut plan: Plan,
    args: ApplyArgs,
    json: bool,
) -> Result<(), Failure> {
    if args.add_only {
        plan = plan.add_only();
    }
    print_plan(&plan, json && !args.yes, client);
    if !args.yes {
        if !json {
            println!("dry run: nothing was written; run again with --yes to apply");
        }
        return Ok(());
    }
    plan.check_removals(args.max_removals)
        .map_err(Failure::File)?;
    let journal = match &args.journal {
        Some(path) => Some(Journal::create(path, &plan).map_err(Failure::File)?),
        None => None,
    };
    let groups = client.groups();
    let apply = async {
        match &journal {
            Some(journal) => {
                plan.apply_journaled(&groups, args.concurrency, journal)
                    .await
            }
            None => plan.apply(&groups, args.concurrency).await,
        }
    };
    let writes = plan
        .requests()
        .saturating_sub(plan.groups_read.div_ceil(100).max(1) as u64);
    report(&with_progress(client, writes, apply).await)
}

/// Finishes the run a journal records (with `--yes`; without it, says what is left).
pub async fn resume(client: &Client, path: PathBuf, args: ApplyArgs) -> Result<(), Failure> {
    let (journal, resumed) = Journal::resume(&path).map_err(Failure::File)?;
    let total = resumed.plan.changes.len();
    println!(
        "{}: {} of {total} changes done, {} sent without a recorded result (checked first)",
        path.display(),
        resumed.done.len(),
        resumed.unknown.len()
    );
    for (i, change) in resumed.plan.changes.iter().enumerate() {
        if !resumed.done.contains(&i) {
            println!("{}", describe(change));
        }
    }
    if !args.yes {
        println!("dry run: nothing was written; run again with --yes to resume");
        return Ok(());
    }
    let groups = client.groups();
    let left = (total - resumed.done.len()) as u64 * 3;
    let run = Plan::resume(&resumed, &groups, args.concurrency, &journal);
    report(&with_progress(client, left, run).await)
}

/// Plans the reverse of what `path` (a journal) shows as applied, says what cannot be
/// reversed exactly, and with `--yes` applies it with apply's checks.
pub async fn undo(
    client: &Client,
    path: PathBuf,
    yes: bool,
    max_removals: Option<MaxRemovals>,
) -> Result<(), Failure> {
    let (_, resumed) = Journal::resume(&path).map_err(Failure::File)?;
    let (plan, notes) = Plan::undo(&resumed);
    for note in &notes {
        println!("note: {note}");
    }
    print_plan(&plan, false, client);
    if !yes {
        println!("dry run: nothing was written; run again with --yes to undo");
        return Ok(());
    }
    plan.check_removals(max_removals).map_err(Failure::File)?;
    let groups = client.groups();
    let requests = plan.changes.len() as u64 * 3;
    report(&with_progress(client, requests, plan.apply(&groups, 1)).await)
}

/// The quotas a plan's estimate assumes, and how to name them: the declared ones
/// (`--quota`), else the rate the pacer measured while reading (after a 429 without
/// quota headers: its requests per second, as a per-minute quota), else Tallyfy's
/// published ones.
fn estimate_quotas(
    declared: Vec<(u32, Duration)>,
    measured: Option<f64>,
) -> (Vec<(u32, Duration)>, &'static str) {
    if !declared.is_empty() {
        return (declared, "the declared quotas");
    }
    match measured.filter(|rate| rate.is_finite() && *rate > 0.0) {
        Some(rate) => {
            let per_minute = (rate * 60.0).floor().clamp(1.0, f64::from(u32::MAX)) as u32;
            (
                vec![(per_minute, Duration::from_secs(60))],
                "the rate measured while reading",
            )
        }
        None => (
            PUBLISHED_QUOTAS.to_vec(),
            "Tallyfy's published quotas (100/min, 1,000/h)",
        ),
    }
}

/// Runs `work` (an apply) under a progress display: on a terminal a bar of the
/// requests sent out of about `requests`, with the rate limiter's waits and when they
/// end; otherwise a line on stderr per wait.
async fn with_progress<T>(client: &Client, requests: u64, work: impl Future<Output = T>) -> T {
    use std::io::IsTerminal;
    let limiter = client.rate_limiter();
    let start = limiter.stats().requests;
    let mut progress = Progress::new(
        std::io::stderr().is_terminal(),
        "{spinner} requests {pos}/{len} {wide_bar} {msg}",
    );
    if let Some(bar) = progress.bar() {
        bar.set_length(requests);
    }
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = tick.tick() => {
                if let Some(bar) = progress.bar() {
                    bar.set_position(limiter.stats().requests - start);
                }
                progress.tick(limiter);
            }
        }
    };
    progress.finish();
    result
}

/// One line per outcome, a summary, and a failure if any change failed.
fn report(outcomes: &[Outcome]) -> Result<(), Failure> {
    let mut failed = Vec::new();
    for outcome in outcomes {
        match &outcome.result {
            Ok(_) => println!("done    {}", describe(&outcome.change)),
            Err(error) => {
                let line = format!(
                    "{}: {}",
                    describe(&outcome.change),
                    crate::output::error_line(error)
                );
                println!("FAILED  {line}");
                failed.push(line);
            }
        }
    }
    let done = outcomes.len() - failed.len();
    println!("applied {done} of {} changes", outcomes.len());
    if failed.is_empty() {
        return Ok(());
    }
    Err(Failure::File(format!(
        "{} of {} changes failed:\n{}",
        failed.len(),
        outcomes.len(),
        failed.join("\n")
    )))
}

/// The plan as lines for a person, or as the documented JSON document.
fn print_plan(plan: &Plan, json: bool, client: &Client) {
    let limiter = client.rate_limiter();
    let (quotas, which) = estimate_quotas(limiter.quotas(), limiter.stats().adaptive_rate);
    let estimate = plan.estimate(&quotas);
    if json {
        let mut out = serde_json::to_value(plan).unwrap_or_default();
        out["requests"] = json!(plan.requests());
        out["estimate_seconds"] = json!(estimate.as_secs_f64());
        println!("{out}");
        return;
    }
    for change in &plan.changes {
        println!("{}", describe(change));
    }
    let s = plan.summary;
    println!(
        "{} to create, {} to update, {} to delete, {} unchanged; an apply sends {} requests, \
         at least {} s under {which}",
        s.create,
        s.update,
        s.delete,
        s.unchanged,
        plan.requests(),
        estimate.as_secs()
    );
}

/// One line per change: `+ create "Ops"`, `~ update "Sales" members +7 −3`, `- delete …`.
fn describe(change: &Change) -> String {
    match change {
        Change::Create {
            name,
            members,
            guests,
            ..
        } => {
            format!(
                "+ create {name:?} ({} members, {} guests)",
                members.len(),
                guests.len()
            )
        }
        Change::Update {
            id,
            name,
            rename,
            description,
            members_add,
            members_remove,
            guests_add,
            guests_remove,
            ..
        } => {
            let mut parts = vec![format!("~ update {name:?} ({id})")];
            if let Some(new) = rename {
                parts.push(format!("rename to {new:?}"));
            }
            if description.is_some() {
                parts.push("description".into());
            }
            let list = |sign: char, items: Vec<String>| {
                items
                    .iter()
                    .map(|i| format!("{sign}{i}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if !members_add.is_empty() || !members_remove.is_empty() {
                let add = list('+', members_add.iter().map(i64::to_string).collect());
                let remove = list('−', members_remove.iter().map(i64::to_string).collect());
                parts.push(format!("members {}", [add, remove].join(" ").trim()));
            }
            if !guests_add.is_empty() || !guests_remove.is_empty() {
                let add = list('+', guests_add.clone());
                let remove = list('−', guests_remove.clone());
                parts.push(format!("guests {}", [add, remove].join(" ").trim()));
            }
            parts.join("; ")
        }
        Change::Delete { id, name } => format!("- delete {name:?} ({id})"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the estimate's quotas: declared ones win, then a measured rate (as a
    // per-minute quota), then the published ones; a nonsense rate is ignored.
    #[test]
    fn declared_then_measured_then_published() {
        let declared = vec![(2, Duration::from_secs(10))];
        assert_eq!(estimate_quotas(declared.clone(), Some(3.0)).0, declared);
        let (measured, which) = estimate_quotas(Vec::new(), Some(2.5));
        assert_eq!(measured, [(150, Duration::from_secs(60))]);
        assert!(which.contains("measured"));
        for rate in [None, Some(0.0), Some(f64::NAN)] {
            assert_eq!(
                estimate_quotas(Vec::new(), rate).0,
                PUBLISHED_QUOTAS.to_vec()
            );
        }
    }
}
