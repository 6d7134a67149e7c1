//! The spec's own examples. Owns checking that every example validates against
//! the schema it illustrates: media-type `example`/`examples` (requests and
//! responses), parameter and header examples, and `example`/`default` values
//! inside schemas. Findings name the example as `<spec file>#<pointer>`.

use crate::drift::Checker;
use crate::report::Finding;
use crate::spec::Direction;

/// Checks every example in the spec; returns how many there were, and the findings.
pub fn check_examples(checker: &Checker) -> (usize, Vec<Finding>) {
    let label = checker.spec().label();
    let mut count = 0;
    let mut findings = Vec::new();
    for site in checker.sites() {
        let set = checker.schemas(site.direction);
        let Some(target) = set.target(&site.pointer) else {
            continue;
        };
        for example in &site.examples {
            count += 1;
            let source = format!("{label}#{}", example.pointer);
            findings.extend(checker.check_value(&source, site.direction, target, &example.value));
        }
    }
    for direction in [Direction::Request, Direction::Response] {
        for example in &checker.schemas(direction).examples {
            count += 1;
            let source = format!("{label}#{}", example.spec_pointer);
            findings.extend(checker.check_value(
                &source,
                direction,
                &example.schema_pointer,
                &example.value,
            ));
        }
    }
    (count, findings)
}
