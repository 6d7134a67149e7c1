//! The identity of a listing's items, read once per item: each distinct id is copied
//! once, into [`Ids`], and numbered in the order it was first seen; a page is then
//! its items' numbers ([`PageIds`]), which both the duplicate check (`summary`) and
//! the repeated-page check (`guard`) read. Two ids are equal exactly when their
//! numbers are.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::{Page, PageRequest};

/// Every id a listing has seen, each with its number.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    numbers: HashMap<Box<str>, usize>,
}

/// The items of one page by their ids' numbers, in page order, and which of them
/// carry an id not seen before (in an earlier page or earlier in this one).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PageIds {
    pub(crate) numbers: Vec<usize>,
    pub(crate) fresh: Vec<bool>,
}

impl Ids {
    /// Numbers the ids of `page`'s items, adding those not seen before.
    pub(crate) fn number<R: PageRequest>(&mut self, page: &Page<R::Item>) -> PageIds {
        let items = page.items();
        let mut ids = PageIds {
            numbers: Vec::with_capacity(items.len()),
            fresh: Vec::with_capacity(items.len()),
        };
        for item in items {
            let next = self.numbers.len();
            // The id is copied before the lookup: a copy is needed for every new id,
            // and repeated ids are the exception.
            let (number, fresh) = match self.numbers.entry(R::item_id(item).into()) {
                Entry::Occupied(entry) => (*entry.get(), false),
                Entry::Vacant(entry) => (*entry.insert(next), true),
            };
            ids.numbers.push(number);
            ids.fresh.push(fresh);
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::tests::Gated;

    fn page(ids: &[&str]) -> Page<String> {
        Page::new(ids.iter().map(|s| s.to_string()).collect(), None, 1, None)
    }

    // Proves equal ids get equal numbers across pages and within one, different ids
    // different numbers, and only an id's first occurrence counts as fresh.
    #[test]
    fn numbers_ids_by_first_sight() {
        let mut ids = Ids::default();
        assert_eq!(
            ids.number::<Gated>(&page(&["a", "b", "a"])),
            PageIds {
                numbers: vec![0, 1, 0],
                fresh: vec![true, true, false]
            }
        );
        assert_eq!(
            ids.number::<Gated>(&page(&["c", "b"])),
            PageIds {
                numbers: vec![2, 1],
                fresh: vec![true, false]
            }
        );
        assert_eq!(ids.number::<Gated>(&page(&[])), PageIds::default());
    }
}
