//! How `tallyfy-groups` prints: a table by default, JSON with `--json`, and
//! errors as one line.
//!
//! `--json` prints groups as the server sent them: unknown keys, `null`s and empty
//! lists included. The typed [`Group`] keeps unknown keys (its `extra` map) but, as
//! typify generates it, writes an optional field that is `None` or an empty list not
//! at all, so `"logo": null` or `"guests": []` would vanish. So the client keeps a
//! [`Capture`] of the raw responses and the output takes each group's JSON object
//! from there, in the order and with the duplicates dropped as the typed listing
//! decided. Without a capture (never, in this program) it falls back to the typed
//! serialisation.

use std::collections::HashMap;

use serde_json::{Value, json};
use tallyfy_groups::{Capture, Error, Group, Page};

/// The raw responses behind `--json`; `None` prints tables.
pub struct Output {
    wire: Option<Capture>,
}

impl Output {
    /// `json`: print JSON as the server sent it (capturing responses to do so).
    pub fn new(json: bool) -> Self {
        Output {
            wire: json.then(Capture::new),
        }
    }

    /// The capture a client must be built with for `--json`.
    pub fn capture(&self) -> Option<Capture> {
        self.wire.clone()
    }

    /// One group: the `data` of the last response (the one that answered the command).
    pub fn group(&self, group: &Group) {
        let Some(wire) = &self.wire else {
            return table(std::slice::from_ref(group));
        };
        let raw = wire
            .take()
            .pop()
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .and_then(|mut body| body.get_mut("data").map(Value::take))
            .filter(|data| data.get("id").and_then(Value::as_str) == Some(group.id.as_str()));
        print_json(&raw.unwrap_or_else(|| json!(group)));
    }

    /// Groups from a listing of one or more pages, in the order given, each as the
    /// server sent it.
    pub fn groups(&self, groups: &[Group]) {
        let Some(wire) = &self.wire else {
            table(groups);
            return println!("{} groups", groups.len());
        };
        let mut sent = listed_groups(wire);
        let data: Vec<Value> = groups
            .iter()
            .map(|g| sent.remove(g.id.as_str()).unwrap_or_else(|| json!(g)))
            .collect();
        print_json(&json!({ "data": data }));
    }

    /// One page: the body exactly as the server sent it.
    pub fn page(&self, page: &Page<Group>) {
        let Some(wire) = &self.wire else {
            table(page.items());
            let of = page
                .total_pages()
                .map(|n| format!(" of {n}"))
                .unwrap_or_default();
            let total = page
                .total()
                .map(|n| format!(", {n} groups in all"))
                .unwrap_or_default();
            return println!("page {}{of}{total}", page.current_page());
        };
        let raw = wire
            .take()
            .pop()
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        print_json(&raw.unwrap_or_else(
            || json!({ "data": page.items(), "meta": { "pagination": page.pagination() } }),
        ));
    }

    pub fn deleted(&self, id: &str) {
        if self.wire.is_some() {
            print_json(&json!({ "deleted": id }));
        } else {
            println!("deleted {id}");
        }
    }
}

/// Every group object in the list responses captured so far, by id (the first
/// copy of an id wins, as in the typed listing).
fn listed_groups(wire: &Capture) -> HashMap<String, Value> {
    let mut pages: Vec<(u64, Vec<Value>)> = wire
        .take()
        .into_iter()
        .filter(|r| r.operation == "list_groups" && r.status.is_success())
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .map(|mut body| {
            let page = body
                .pointer("/meta/pagination/current_page")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            match body.get_mut("data").map(Value::take) {
                Some(Value::Array(items)) => (page, items),
                _ => (page, Vec::new()),
            }
        })
        .collect();
    // Responses arrive in any order with concurrency; the listing's order is the pages'.
    pages.sort_by_key(|(page, _)| *page);
    let mut by_id = HashMap::new();
    for item in pages.into_iter().flat_map(|(_, items)| items) {
        if let Some(id) = item.get("id").and_then(Value::as_str) {
            by_id.entry(id.to_owned()).or_insert(item);
        }
    }
    by_id
}

/// One line: status, code, message, field errors and request id, or the error itself.
pub fn error_line(error: &Error) -> String {
    error.to_string().replace('\n', " ")
}

fn print_json(value: &Value) {
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
