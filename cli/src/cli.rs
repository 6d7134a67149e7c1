//! The command line of `tallyfy-groups`: commands, arguments and flags (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tallyfy_groups::SortBy;

/// A command-line client for Tallyfy's Groups API. Reads TALLYFY_ACCESS_TOKEN,
/// TALLYFY_ORG_ID and TALLYFY_BASE_URL; without a token it uses a local sandbox
/// whose groups last from one command to the next (see --sandbox-state);
/// it is rate-limited when GROUPS_SANDBOX_LIMIT is set, e.g. `bucket:5:5` or
/// `window:60/6+headers`).
#[derive(Debug, Parser)]
#[command(name = "tallyfy-groups", version, arg_required_else_help = true)]
pub struct Cli {
    /// Print JSON instead of a table: each group as the server sent it (unknown
    /// fields, nulls and empty lists included).
    #[arg(long, global = true)]
    pub json: bool,
    /// The local sandbox's state file [env: TALLYFY_SANDBOX_STATE; default:
    /// tallyfy-sandbox/state.json in Cargo's target directory].
    #[arg(long, global = true, value_name = "FILE")]
    pub sandbox_state: Option<PathBuf>,
    /// Start the local sandbox over from its 300 seeded groups (alone: just that).
    #[arg(long, global = true)]
    pub reset_sandbox: bool,
    /// Do not pace requests: leave 429s to the retries alone (for comparison).
    #[arg(long, global = true)]
    pub no_pacing: bool,
    /// Declare the organisation's quota, N requests per SECONDS (repeat for several,
    /// e.g. --quota 100/60 --quota 1000/3600): requests are paced to it from the
    /// start, and `plan` estimates with it (default: Tallyfy's published 100/min and
    /// 1,000/h).
    #[arg(long, global = true, value_name = "N/SECONDS", value_parser = parse_quota)]
    pub quota: Vec<(u32, std::time::Duration)>,
    /// Share the groups' write locks and the organisation's quota (the --quota ones,
    /// default Tallyfy's published 100/min and 1,000/h) with every process using
    /// this Redis or Valkey server, e.g. redis://127.0.0.1:6379.
    /// If the server goes away mid-run, commands fail before writing anything.
    #[arg(
        long,
        global = true,
        value_name = "REDIS_URL",
        env = "TALLYFY_COORDINATOR",
        hide_env_values = true
    )]
    pub coordinator: Option<String>,
    /// With --coordinator: how long a group's lock lives unrenewed, in seconds (a
    /// killed holder's lock frees itself after this long; default 10).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub lock_ttl: Option<f64>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List groups (one page, or every page with --all).
    List(ListArgs),
    /// Show one group.
    Get {
        /// The group's id.
        id: String,
        /// Include related data.
        #[arg(long, value_enum)]
        with: Option<GetWith>,
    },
    /// Create a group.
    Create {
        #[arg(long)]
        name: String,
        /// Optional; a blank one is no description (nothing is sent).
        #[arg(long)]
        description: Option<String>,
        /// A member's user id (repeat for more).
        #[arg(long = "member")]
        members: Vec<i64>,
        /// A guest's email address (repeat for more).
        #[arg(long = "guest")]
        guests: Vec<String>,
    },
    /// Update a group; fields not given keep their values.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// The complete new member list (repeat); replaces the current one.
        #[arg(long = "member")]
        members: Vec<i64>,
        /// The complete new guest list (repeat); replaces the current one.
        #[arg(long = "guest")]
        guests: Vec<String>,
    },
    /// Delete a group.
    Delete { id: String },
    /// Add members, keeping everything else.
    AddMembers {
        id: String,
        #[arg(required = true)]
        user_ids: Vec<i64>,
    },
    /// Remove members, keeping everything else.
    RemoveMembers {
        id: String,
        #[arg(required = true)]
        user_ids: Vec<i64>,
    },
    /// Add guests, keeping everything else.
    AddGuests {
        id: String,
        #[arg(required = true)]
        emails: Vec<String>,
    },
    /// Remove guests, keeping everything else.
    RemoveGuests {
        id: String,
        #[arg(required = true)]
        emails: Vec<String>,
    },
    /// Write the organisation's groups as a desired-state file (YAML).
    Export {
        /// Write to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show what applying a desired-state file (YAML or JSON) would change; writes nothing.
    Plan {
        /// The desired-state file.
        file: PathBuf,
        /// Exit 2 (not 0) when there are changes, as Terraform's -detailed-exitcode.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Also save the plan, with each group's state as read, for `apply --plan`.
        #[arg(long, value_name = "PLAN")]
        out: Option<PathBuf>,
    },
    /// Apply a desired-state file: prints the plan, and writes only with --yes.
    Apply {
        /// The desired-state file (or --plan PLAN, or --resume JOURNAL).
        #[arg(required_unless_present_any = ["resume", "plan"])]
        file: Option<PathBuf>,
        /// Apply a plan saved by `plan --out`: a group that changed since is not
        /// written (reported stale; the exit code is then 1).
        #[arg(long, value_name = "PLAN", conflicts_with_all = ["file", "resume"])]
        plan: Option<PathBuf>,
        /// Record each write's intent (before it is sent) and result in this new file
        /// (JSON lines), for --resume.
        #[arg(long, value_name = "PATH", conflicts_with = "resume")]
        journal: Option<PathBuf>,
        /// Finish the run this journal records: writes done are not sent again.
        #[arg(long, value_name = "JOURNAL", conflicts_with = "file")]
        resume: Option<PathBuf>,
        /// Write the changes (without it: a dry run).
        #[arg(long)]
        yes: bool,
        /// Refuse the whole apply when it removes more members, guests and groups
        /// than this: a count (10) or a share of what the file manages (25%).
        /// Default: 25% or 10, whichever is larger.
        #[arg(long, value_name = "N|P%")]
        max_removals: Option<tallyfy_groups::sync::MaxRemovals>,
        /// Never remove a member or guest, never delete a group.
        #[arg(long)]
        add_only: bool,
        /// Groups written at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Reverse what a journal shows as applied: prints the plan, writes only with --yes.
    Undo {
        /// The journal of the apply to reverse.
        journal: PathBuf,
        /// Write the reversal (without it: a dry run).
        #[arg(long)]
        yes: bool,
        /// As for apply.
        #[arg(long, value_name = "N|P%")]
        max_removals: Option<tallyfy_groups::sync::MaxRemovals>,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Search text, matched against name and description.
    #[arg(long)]
    pub q: Option<String>,
    /// Sort field.
    #[arg(long, value_enum)]
    pub sort_by: Option<SortField>,
    /// Sort direction, sent as given (the API documents no values; asc and desc are
    /// the conventional ones).
    #[arg(long)]
    pub sort: Option<String>,
    /// Page size, 1 to 100.
    #[arg(long)]
    pub per_page: Option<u32>,
    /// Related data: a comma list of assets, users, guests.
    #[arg(long)]
    pub with: Option<String>,
    /// The page to fetch (from 1), counted in pages of --per-page.
    #[arg(long, conflicts_with_all = ["all", "max_items"])]
    pub page: Option<u32>,
    /// Fetch every page.
    #[arg(long)]
    pub all: bool,
    /// Stop after this many groups (implies paging).
    #[arg(long)]
    pub max_items: Option<usize>,
    /// Pages fetched at once with --all.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// With --all: when the listing ends with fewer groups than the server's `total`,
    /// print what there was and report the shortfall instead of failing.
    #[arg(long)]
    pub allow_incomplete: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GetWith {
    Assets,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SortField {
    Name,
    CreatedAt,
    UpdatedAt,
}

impl From<SortField> for SortBy {
    fn from(field: SortField) -> Self {
        match field {
            SortField::Name => SortBy::Name,
            SortField::CreatedAt => SortBy::CreatedAt,
            SortField::UpdatedAt => SortBy::UpdatedAt,
        }
    }
}

/// `N/SECONDS` (SECONDS may end in `s`): a quota of N requests per SECONDS.
fn parse_quota(text: &str) -> Result<(u32, std::time::Duration), String> {
    let bad = || format!("{text:?} is not N/SECONDS (e.g. 100/60)");
    let (n, secs) = text.split_once('/').ok_or_else(bad)?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    let secs: f64 = secs
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| bad())?;
    if n == 0 || !secs.is_finite() || secs <= 0.0 {
        return Err(bad());
    }
    Ok((n, std::time::Duration::from_secs_f64(secs)))
}
