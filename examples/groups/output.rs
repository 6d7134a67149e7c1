//! How the `groups` example prints: a table by default, JSON with the API's field
//! names with `--json`, and errors as one line.

use serde_json::json;
use tallyfy_groups::{Error, Group, Page};

/// One line: status, code, message, field errors and request id, or the error itself.
pub fn error_line(error: &Error) -> String {
    error.to_string().replace('\n', " ")
}

pub fn group(group: &Group, as_json: bool) {
    if as_json {
        print_json(&json!(group));
    } else {
        table(std::slice::from_ref(group));
    }
}

pub fn groups(groups: &[Group], as_json: bool) {
    if as_json {
        print_json(&json!({ "data": groups }));
    } else {
        table(groups);
        println!("{} groups", groups.len());
    }
}

pub fn page(page: &Page<Group>, as_json: bool) {
    if as_json {
        print_json(&json!({ "data": page.items(), "meta": { "pagination": page.pagination() } }));
    } else {
        table(page.items());
        let of = page
            .total_pages()
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        let total = page
            .total()
            .map(|n| format!(", {n} groups in all"))
            .unwrap_or_default();
        println!("page {}{of}{total}", page.current_page());
    }
}

pub fn deleted(id: &str, as_json: bool) {
    if as_json {
        print_json(&json!({ "deleted": id }));
    } else {
        println!("deleted {id}");
    }
}

fn print_json(value: &serde_json::Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot print JSON: {e}"),
    }
}

fn table(groups: &[Group]) {
    println!(
        "{:<32}  {:<30}  {:>7}  {:>6}  DESCRIPTION",
        "ID", "NAME", "MEMBERS", "GUESTS"
    );
    for group in groups {
        println!(
            "{:<32}  {:<30}  {:>7}  {:>6}  {}",
            group.id,
            clip(&group.name, 30),
            group.members.len(),
            group.guests.len(),
            clip(group.description.as_deref().unwrap_or(""), 40)
        );
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}
