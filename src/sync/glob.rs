//! The one pattern form `ignore` lists use: `*` matches any run of characters
//! (none included), everything else matches itself. Hand-written because it is all
//! the file format needs; a glob crate would bring character classes and path rules
//! a group name does not have.

/// Whether `text` matches `pattern`, ASCII case-insensitively if `fold_case`.
pub(super) fn matches(pattern: &str, text: &str, fold_case: bool) -> bool {
    let same = |a: char, b: char| {
        if fold_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Greedy match with one backtrack point: the last `*` seen.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && p[i] != '*' && same(p[i], t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    // Proves literal, prefix, suffix, infix and bare-star patterns, and case folding.
    #[test]
    fn star_patterns() {
        assert!(matches("Admins", "Admins", false));
        assert!(!matches("Admins", "admins", false));
        assert!(matches("Admins*", "Admins - EU", false));
        assert!(matches("*@ops.example.com", "Ann@OPS.example.com", true));
        assert!(!matches("*@ops.example.com", "ann@example.com", true));
        assert!(matches("a*b*c", "a-b-b-c", false));
        assert!(!matches("a*b*c", "a-b-b-d", false));
        assert!(matches("*", "", false));
        assert!(!matches("", "x", false));
    }
}
