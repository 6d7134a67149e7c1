//! `cargo xtask` command line: help and usage errors.

mod common;

use common::*;

// Proves usage errors exit 2: an unknown option, a missing samples directory,
// a spec file that does not exist.
#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&["spec-check", "--bogus"])), 2);
    assert_eq!(code(&run(&["no-such-command"])), 2);
    assert_eq!(
        code(&run(&["spec-check", "--samples", "/nonexistent/samples"])),
        2
    );
    assert_eq!(
        code(&run(&["spec-check", "--spec", "/nonexistent/spec.yaml"])),
        2
    );
}

// Proves `--help` works for the tool and for the command, and documents the
// options (the live ones included).
#[test]
fn help_works() {
    let output = run(&["--help"]);
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains("spec-check"));
    let output = run(&["spec-check", "--help"]);
    assert_eq!(code(&output), 0);
    for option in [
        "--spec",
        "--samples",
        "--strict",
        "--json",
        "--live",
        "--record",
    ] {
        assert!(
            stdout(&output).contains(option),
            "{option} missing from help"
        );
    }
}
