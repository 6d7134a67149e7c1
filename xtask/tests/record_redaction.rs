//! `record` in process, on hand-made bodies: what the redactor must remove
//! (a non-ASCII email, a name inside a description and other text, the token
//! inside URLs, organisation ids) is gone from every written file, and the
//! leak check, which looks at the output on its own, refuses to write a body
//! when the redactor misses something (planted through `record_with`).

use std::path::Path;

use serde_json::{Value, json};
use xtask::drift::Checker;
use xtask::live::LiveResponse;
use xtask::record::{Recording, record, record_with};
use xtask::redact::{PLACEHOLDER_ORG_ID, Redactor};
use xtask::spec::Spec;

const TOKEN: &str = "tok-7f3a9c1e55";
const ORG: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const PERSON: &str = "Jane Doe";
const EMAIL: &str = "josé@example.com";
const OTHER_EMAIL: &str = "Zoë.Ünal@例え.jp";

fn checker() -> Checker {
    let root = xtask::repo_root();
    let spec = Spec::load(&root.join("spec/tallyfy-groups.yaml"), "spec").unwrap();
    Checker::new(spec)
}

fn response(operation_id: &str, variant: &str, body: &Value) -> LiveResponse {
    LiveResponse {
        operation_id: operation_id.into(),
        status: 200,
        variant: variant.into(),
        label: format!("live:{operation_id}.200 ({variant})"),
        body: serde_json::to_vec(body).unwrap(),
    }
}

/// A get whose group is named after a member, whose description and an
/// undeclared free-text field hold the member's name and an accented email,
/// whose guests are non-ASCII addresses and whose logo URL carries the token
/// in its path; and a list whose next link carries the token and the org id.
fn responses() -> Vec<LiveResponse> {
    let group = json!({"data": {
        "id": "53a4560dc877f9b4f709f97630efbb5a",
        "name": format!("{PERSON}'s group"),
        "description": format!("Notes of {PERSON}; write to {EMAIL}"),
        "logo": format!("https://cdn.example.net/{ORG}/{TOKEN}/logo.png"),
        "members": [1001],
        "guests": [EMAIL, OTHER_EMAIL],
        "created_at": "2023-01-15T09:00:00Z",
        "note": format!("Call {PERSON} at {EMAIL}"),
        "users": [{"id": 1001, "full_name": PERSON}]
    }});
    let list = json!({
        "data": [{"id": "53a4560dc877f9b4f709f97630efbb5a", "name": "Ops",
                  "description": format!("Run by {PERSON}"), "guests": [EMAIL]}],
        "meta": {"pagination": {"total": 2, "count": 1, "per_page": 1,
            "current_page": 1, "total_pages": 2, "links": {
                "next": format!("http://127.0.0.1:9/api/organizations/{ORG}/groups?page=2&access_token={TOKEN}")
            }}}
    });
    vec![
        response("getGroup", "default", &group),
        response("listGroups", "default", &list),
    ]
}

fn written(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn messages(recording: &Recording) -> Vec<String> {
    recording
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.source, f.message))
        .collect()
}

// Proves the real redactor removes the accented email (everywhere, also in
// the description), the member's name inside the description and inside a
// field it has no rule for, the group name, the token in a URL path and a
// link query, and the org id; the files are written without errors as
// samples, and their URLs stay URLs (no spaces).
#[test]
fn every_personal_datum_and_the_token_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let recording = record(&checker(), dir.path(), &responses(), ORG, TOKEN).unwrap();
    let errors: Vec<_> = recording
        .findings
        .iter()
        .filter(|f| f.severity == xtask::report::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{:#?}", messages(&recording));
    assert_eq!(
        written(dir.path()),
        [
            "getGroup.200.live-default.json",
            "listGroups.200.live-default.json"
        ]
    );
    for name in written(dir.path()) {
        let text = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        let lower = text.to_lowercase();
        for original in [
            TOKEN,
            ORG,
            PERSON,
            EMAIL,
            OTHER_EMAIL,
            "josé",
            "zoë",
            "127.0.0.1",
        ] {
            assert!(
                !lower.contains(&original.to_lowercase()),
                "{name} holds {original:?}:\n{text}"
            );
        }
    }
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(name)).unwrap()).unwrap()
    };
    let get = read("getGroup.200.live-default.json");
    assert_eq!(get["data"]["name"], "Group 1");
    assert_eq!(get["data"]["description"], "Description 1");
    assert_eq!(get["data"]["note"], "Call Person 1 at guest1@example.com");
    assert_eq!(get["data"]["users"][0]["full_name"], "Person 1");
    assert_eq!(
        get["data"]["guests"],
        json!(["guest1@example.com", "guest2@example.com"])
    );
    assert_eq!(
        get["data"]["logo"],
        format!("https://cdn.example.net/{PLACEHOLDER_ORG_ID}/**%20redacted%20**/logo.png")
    );
    let list = read("listGroups.200.live-default.json");
    assert_eq!(list["data"][0]["guests"], json!(["guest1@example.com"]));
    assert_eq!(
        list["meta"]["pagination"]["links"]["next"],
        format!(
            "https://go.tallyfy.com/api/organizations/{PLACEHOLDER_ORG_ID}/groups?page=2&access_token=**%20redacted%20**"
        )
    );
}

// Proves the leak check does not depend on the redactor: with redaction
// switched off, every body is refused, named, and nothing is written.
#[test]
fn with_the_redactor_off_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut off = |body: &Value| body.clone();
    let recording =
        record_with(&checker(), dir.path(), &responses(), ORG, TOKEN, &mut off).unwrap();
    assert!(written(dir.path()).is_empty());
    assert!(recording.written.is_empty());
    let messages = messages(&recording);
    assert_eq!(messages.len(), 2, "{messages:#?}");
    for message in &messages {
        assert!(
            message.contains("not recorded: the redacted body still contains the access token"),
            "{message}"
        );
        assert!(!message.contains(TOKEN), "a refusal never shows the token");
    }
}

/// Puts one original back into a redacted body.
type Plant = Box<dyn Fn(&mut Value)>;

/// Records the get body with the real redactor, then `plant` putting one
/// original back; returns the refusal, after checking nothing was written.
fn refusal(expected: &str, plant: impl Fn(&mut Value)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut redactor = Redactor::new(ORG, TOKEN);
    let mut leaky = |body: &Value| {
        let mut out = redactor.redact(body);
        plant(&mut out);
        out
    };
    let responses = &responses()[..1];
    let recording = record_with(&checker(), dir.path(), responses, ORG, TOKEN, &mut leaky).unwrap();
    let what = messages(&recording);
    assert!(written(dir.path()).is_empty(), "{expected}: {what:?}");
    let messages = messages(&recording);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    messages[0].clone()
}

// Proves each kind of miss is refused on its own, named with where it is,
// and never quoted: a non-ASCII email, a name inside other text, the token
// inside a URL, the org id, and a description seen in another field.
#[test]
fn a_planted_miss_is_refused() {
    let cases: [(&str, Plant); 6] = [
        (
            "an email address at /data/guests/1",
            Box::new(|v| v["data"]["guests"][1] = json!(OTHER_EMAIL)),
        ),
        (
            "an email address at /data/description",
            Box::new(|v| v["data"]["description"] = json!("write to JOSÉ@EXAMPLE.COM")),
        ),
        (
            "a name from the input at /data/description",
            Box::new(|v| v["data"]["description"] = json!(format!("Notes of {PERSON}"))),
        ),
        (
            "the access token",
            Box::new(|v| v["data"]["logo"] = json!(format!("https://cdn.test/{TOKEN}/l.png"))),
        ),
        (
            "an organisation id at /data/logo",
            Box::new(|v| v["data"]["logo"] = json!(format!("https://cdn.test/{ORG}/l.png"))),
        ),
        (
            "an email address at /data/note",
            Box::new(|v| v["data"]["note"] = json!("jos%C3%A9%40example.com")),
        ),
    ];
    for (expected, plant) in cases {
        let message = refusal(expected, plant);
        let wanted = format!("not recorded: the redacted body still contains {expected}");
        assert!(message.ends_with(&wanted), "{message}\nwanted: {wanted}");
        for original in [TOKEN, ORG, PERSON, EMAIL, OTHER_EMAIL] {
            assert!(!message.contains(original), "{message} quotes {original:?}");
        }
    }
}
