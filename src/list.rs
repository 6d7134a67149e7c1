//! The list request: its query parameters, validated once, and the single-page call.
//! Streams over many pages are in `paging`; this module only fetches one page.

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::generated::types;
use crate::model::{Group, SortBy};
use crate::paging::Page;
use crate::response::send;
use crate::validate;

/// The parameters of a list request, sent unchanged with every page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    pub(crate) q: Option<String>,
    pub(crate) sort_by: Option<SortBy>,
    pub(crate) with: Option<String>,
    pub(crate) per_page: Option<u32>,
}

impl ListQuery {
    /// The page size sent, if any (the API's default is 10).
    pub fn per_page(&self) -> Option<u32> {
        self.per_page
    }
}

/// Lists groups; see [`crate::Groups::list`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListGroups {
    pub(crate) client: Client,
    pub(crate) org_id: Arc<str>,
    pub(crate) query: ListQuery,
    pub(crate) page: u32,
    /// The first rejected argument, reported when the request is sent.
    pub(crate) invalid: Option<(&'static str, String)>,
}

impl ListGroups {
    pub(crate) fn new(client: Client, org_id: Arc<str>) -> Self {
        ListGroups {
            client,
            org_id,
            query: ListQuery::default(),
            page: 1,
            invalid: None,
        }
    }

    fn reject(mut self, error: Error) -> Self {
        if let Error::InvalidArgument { name, reason } = error {
            self.invalid.get_or_insert((name, reason));
        }
        self
    }

    /// The first argument error, if a builder method rejected its input.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.invalid {
            Some((name, reason)) => Err(Error::invalid(name, reason.clone())),
            None => Ok(()),
        }
    }

    /// Search text, matched against name and description.
    pub fn q(mut self, text: impl Into<String>) -> Self {
        self.query.q = Some(text.into());
        self
    }

    /// Sort field.
    pub fn sort_by(mut self, field: SortBy) -> Self {
        self.query.sort_by = Some(field);
        self
    }

    /// Related data to include: a comma-separated list of `assets`, `users`, `guests`.
    pub fn with(mut self, include: impl Into<String>) -> Self {
        let include = include.into();
        match types::ListGroupsWith::try_from(include.as_str()) {
            Ok(_) => {
                self.query.with = Some(include);
                self
            }
            Err(_) => self.reject(Error::invalid(
                "with",
                format!("{include:?} is not a comma-separated list of assets, users, guests"),
            )),
        }
    }

    /// Page size, 1 to 100.
    pub fn page_size(mut self, size: u32) -> Self {
        match validate::per_page(size) {
            Ok(()) => {
                self.query.per_page = Some(size);
                self
            }
            Err(e) => self.reject(e),
        }
    }

    /// Same as [`ListGroups::page_size`], under the API's name.
    pub fn per_page(self, size: u32) -> Self {
        self.page_size(size)
    }

    /// The page to fetch (from 1); streams start here.
    pub fn page(mut self, page: u32) -> Self {
        match validate::page(page) {
            Ok(()) => {
                self.page = page;
                self
            }
            Err(e) => self.reject(e),
        }
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<Page<Group>, Error> {
        self.check()?;
        fetch_page(&self.client, &self.org_id, &self.query, self.page).await
    }
}

/// Fetches page `page` of the listing described by `query`.
pub(crate) async fn fetch_page(
    client: &Client,
    org_id: &Arc<str>,
    query: &ListQuery,
    page: u32,
) -> Result<Page<Group>, Error> {
    validate::id("org_id", org_id)?;
    let mut request = client.raw().list_groups().org_id(&**org_id).page(page);
    if let Some(q) = &query.q {
        request = request.q(q.as_str());
    }
    if let Some(sort_by) = query.sort_by {
        request = request.sort_by(sort_by);
    }
    if let Some(with) = &query.with {
        request = request.with(with.as_str());
    }
    if let Some(per_page) = query.per_page {
        request = request.per_page(per_page);
    }
    let list = send(request.send()).await?;
    Ok(Page::new(
        list.data,
        list.meta.and_then(|m| m.pagination),
        page,
        client.clone(),
        org_id.clone(),
        query.clone(),
    ))
}
