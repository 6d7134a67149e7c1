//! progenitor's operationId → method-name rule, in one place. build.rs includes
//! this file (`#[path = "codegen/naming.rs"] mod naming;`) to key its operation
//! table; the xtask's `naming` test checks it against progenitor's own generator.
//! It owns only the name: no I/O, no spec walk.
//!
//! It mirrors `progenitor_impl::util::sanitize(id, Case::Snake)` of progenitor
//! 0.15 (a private function): drop `'`, turn every character that cannot
//! continue an identifier into `-`, snake-case with `heck`, use `x` for an
//! empty result, prefix `_` when the first character cannot start an
//! identifier, and suffix `_` to a keyword (typify's `accept_as_ident` list).
//! The xtask test `naming_matches_progenitor` generates a client from awkward
//! ids and checks the two agree, so a progenitor upgrade that changes the rule
//! fails there.

use heck::ToSnakeCase;
use unicode_ident::{is_xid_continue, is_xid_start};

/// The name progenitor gives the method generated for `operation_id`
/// (`listGroups` → `list_groups`, `getHTTPStatus` → `get_http_status`).
pub fn method_name(operation_id: &str) -> String {
    let out = match operation_id {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => operation_id
            .replace('\'', "")
            .replace(|c: char| !is_xid_continue(c), "-")
            .to_snake_case(),
    };
    let out = match out.chars().next() {
        None => "x".to_string(),
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("_{out}"),
    };
    if is_keyword(&out) {
        format!("{out}_")
    } else {
        out
    }
}

/// The words typify (and so progenitor) will not use as an identifier as is.
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "Self"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}
