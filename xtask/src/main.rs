//! `cargo xtask <command>`: developer tasks for the tallyfy-groups workspace.
//! Owns only the command line; the work is in the xtask library. It must never
//! be a dependency of the library crate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Developer tasks for the tallyfy-groups workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the OpenAPI spec and the recorded response samples against each other (offline).
    ///
    /// Checks that every operation has an operationId, that every $ref resolves,
    /// that every example in the spec validates against its schema, and that every
    /// sample (<samples>/<operationId>.<status>.<variant>.json) validates against the
    /// response schema of its operation and status.
    ///
    /// Schema violations (a wrong type, a missing required field) are errors; fields
    /// a sample has but the schema does not declare are warnings. Each finding is
    /// one line: severity, file, JSON path, message; then a summary line.
    ///
    /// Exit status: 0 clean (warnings allowed), 1 errors (or warnings with
    /// --strict), 2 usage error.
    SpecCheck {
        /// The OpenAPI document [default: spec/tallyfy-groups.yaml in the repository]
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// The directory of sample bodies [default: spec/samples in the repository]
        #[arg(long, value_name = "DIR")]
        samples: Option<PathBuf>,
        /// Treat warnings (undeclared fields) as errors
        #[arg(long)]
        strict: bool,
        /// Print one JSON document instead of lines
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::SpecCheck {
            spec,
            samples,
            strict,
            json,
        } => {
            let mut options = xtask::SpecCheckOptions {
                strict,
                ..Default::default()
            };
            if let Some(spec) = spec {
                options.spec_label = spec.display().to_string();
                options.spec = spec;
            }
            if let Some(samples) = samples {
                options.samples_label = samples.display().to_string();
                options.samples = samples;
            }
            match xtask::spec_check(&options) {
                Err(message) => {
                    eprintln!("spec-check: {message}");
                    ExitCode::from(2)
                }
                Ok(report) => {
                    if json {
                        print!("{}", report.render_json());
                    } else {
                        print!("{}", report.render_human());
                    }
                    ExitCode::from(report.exit_code())
                }
            }
        }
    }
}
