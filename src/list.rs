//! The list request: its parameters, validated as they are set, the single-page call,
//! and the way into paging (`into_paginator`, which holds this request and sends it
//! page after page). Knows nothing of how streams work.

use std::num::NonZeroU32;

use crate::core::{ListQuery, Org};
use crate::error::Error;
use crate::generated::spec::PER_PAGE_MAX;
use crate::generated::types::ListGroupsWith;
use crate::model::{Group, SortBy};
use crate::paging::{Items, Page, PageRequest, Pages, Paginator};
use crate::validate::{self, Rejected};

/// The page size a paginator asks for when none was set: the API's maximum, so a
/// listing takes as few round trips as possible.
const STREAM_PAGE_SIZE: u32 = PER_PAGE_MAX;

/// Related data a listing can include (`with`), in the order the spec's pattern
/// lists them; joined, they are checked against that pattern by the generated type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Includes {
    assets: bool,
    users: bool,
    guests: bool,
}

impl Includes {
    /// The `with` parameter, e.g. `assets,users`, if anything is included.
    fn parameter(self) -> Result<Option<ListGroupsWith>, Rejected> {
        let names = [
            (self.assets, "assets"),
            (self.users, "users"),
            (self.guests, "guests"),
        ];
        let listed: Vec<&str> = names
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| *name)
            .collect();
        if listed.is_empty() {
            return Ok(None);
        }
        ListGroupsWith::try_from(listed.join(","))
            .map(Some)
            .map_err(|e| Rejected::new("with", e.to_string()))
    }
}

/// Lists groups, one page with [`send`](ListGroups::send) or every page through
/// [`into_paginator`](ListGroups::into_paginator); see [`crate::Groups::list`].
///
/// It keeps its parameters itself rather than as the generated builder, because that
/// borrows the client and a paginator must own its request.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListGroups {
    org: Org,
    query: ListQuery,
    with: Includes,
    page: NonZeroU32,
    /// The first rejected argument, reported when the request is sent.
    invalid: Option<Rejected>,
}

impl ListGroups {
    pub(crate) fn new(org: Org) -> Self {
        ListGroups {
            org,
            query: ListQuery::default(),
            with: Includes::default(),
            page: NonZeroU32::MIN,
            invalid: None,
        }
    }

    fn reject(mut self, rejected: Rejected) -> Self {
        self.invalid.get_or_insert(rejected);
        self
    }

    /// Search text, matched against name and description. Blank text is no search:
    /// it is not sent (the server turns `""` into null).
    pub fn q(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        self.query.q = (!text.trim().is_empty()).then_some(text);
        self
    }

    /// Sort field.
    pub fn sort_by(mut self, field: SortBy) -> Self {
        self.query.sort_by = Some(field);
        self
    }

    /// Sort direction (`sort`), sent as given. The API has the parameter (Tallyfy's
    /// Python SDK passes it through) but documents no values; `"asc"` and `"desc"`
    /// are the conventional ones, unconfirmed. A blank value is no value: it is not
    /// sent (the server would turn `""` into null anyway).
    pub fn sort(mut self, direction: impl Into<String>) -> Self {
        let direction = direction.into();
        self.query.sort = (!direction.trim().is_empty()).then_some(direction);
        self
    }

    /// Includes each group's logo file (`with=assets`).
    pub fn with_assets(mut self) -> Self {
        self.with.assets = true;
        self
    }

    /// Includes each group's users (`with=users`).
    pub fn with_users(mut self) -> Self {
        self.with.users = true;
        self
    }

    /// Includes each group's guests (`with=guests`).
    pub fn with_guests(mut self) -> Self {
        self.with.guests = true;
        self
    }

    /// Page size (`per_page`), 1 to [`MAX_PER_PAGE`](crate::MAX_PER_PAGE) (100). When
    /// unset, [`send`](ListGroups::send) gets the API's default (10) and a paginator
    /// asks for the maximum, for the fewest round trips.
    pub fn page_size(mut self, size: u32) -> Self {
        match validate::per_page(size) {
            Ok(size) => {
                self.query.per_page = Some(size);
                self
            }
            Err(e) => self.reject(e),
        }
    }

    /// The page to fetch (from 1); a paginator starts here. Page numbers count pages
    /// of the page size in effect, which for a paginator is 100 unless set.
    pub fn page(self, page: u32) -> Self {
        match validate::page(page) {
            Ok(page) => ListGroups { page, ..self },
            Err(e) => self.reject(e),
        }
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<Page<Group>, Error> {
        if let Some(rejected) = self.invalid {
            return Err(rejected.into());
        }
        let page = self.page.get();
        let query = ListQuery {
            with: self.with.parameter()?,
            page: Some(self.page),
            ..self.query
        };
        let list = (self.org.list(&query).await).map_err(|error| error.on_page(page))?;
        let (pagination, meta_extra) = match list.meta {
            Some(meta) => (meta.pagination, meta.extra),
            None => (None, crate::Extra::default()),
        };
        let per_page = query.per_page.map(NonZeroU32::get);
        Ok(Page::new(list.data, pagination, page, per_page)
            .with_unknown_keys(list.extra, meta_extra))
    }

    /// The listing as a paginator, whose streams send this request page after page
    /// from [`page`](ListGroups::page) (default 1), with every parameter (`q`,
    /// `sort_by`, `sort`, `with`, `per_page`) on every page. Without
    /// [`page_size`](ListGroups::page_size), pages of 100 (the API's maximum) are
    /// requested, for the fewest round trips.
    ///
    /// ```no_run
    /// # async fn demo(client: tallyfy_groups::Client) -> Result<(), tallyfy_groups::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let groups: Vec<_> = client
    ///     .groups()
    ///     .list()
    ///     .q("sales")
    ///     .into_paginator()
    ///     .concurrency(4)
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_paginator(mut self) -> Paginator<ListGroups> {
        if self.query.per_page.is_none() {
            self.query.per_page = NonZeroU32::new(STREAM_PAGE_SIZE);
        }
        Paginator::new(self)
    }

    /// Every group of the listing, as a stream: `into_paginator().items()`.
    pub fn items(self) -> Items<ListGroups> {
        self.into_paginator().items()
    }

    /// Every page of the listing, as a stream: `into_paginator().pages()`.
    pub fn pages(self) -> Pages<ListGroups> {
        self.into_paginator().pages()
    }
}

impl PageRequest for ListGroups {
    type Item = Group;

    fn page_number(&self) -> u32 {
        self.page.get()
    }

    fn page_size(&self) -> Option<u32> {
        self.query.per_page.map(NonZeroU32::get)
    }

    fn for_page(&self, n: u32) -> Self {
        self.clone().page(n)
    }

    fn with_page_size(&self, size: u32) -> Self {
        self.clone().page_size(size)
    }

    fn fetch(self) -> impl Future<Output = Result<Page<Group>, Error>> + Send + 'static {
        self.send()
    }

    fn item_id(item: &Group) -> &str {
        &item.id
    }
}
