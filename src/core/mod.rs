//! The core beneath the resource builders. [`Core`] owns the generated client, the
//! coordinator its write locks come from, and the conflict setting; [`Org`] binds it to one organisation (its id
//! checked once, when bound) and is the only caller of the generated builders: the
//! spec's five operations, taking ids already checked, and the guarded
//! read-modify-write (`rmw`), each write under the group's lock and sent only while
//! the lock is still held (a lock lost before the PUT is taken again and the change
//! read and planned again). Knows no request builder, stream or membership rule.

mod confirm;
mod rmw;

use std::fmt;
use std::sync::Arc;

use crate::coordinator::{Coordinator, CoordinatorError, CoordinatorErrorKind, Held};
use crate::error::Error;
use crate::generated::Client as RawClient;
use crate::generated::spec::{CREATE_GROUP, DELETE_GROUP, GET_GROUP, LIST_GROUPS, UPDATE_GROUP};
use crate::generated::types::{
    CreateGroupRequest, GetGroupWith, GroupId, GroupList, ListGroupsWith, OrgId, SortBy,
    UpdateGroupRequest,
};
use crate::model::Group;
use crate::request::finish;
use crate::validate::{self, Rejected};

pub(crate) use rmw::{Plan, same_state};

/// How often a write whose lock was lost before its PUT takes the lock again.
const LOCK_RETRIES: u32 = 3;

/// What every clone of a client shares beyond the HTTP settings the generated client
/// carries: the coordinator of its write locks and how often a conflicting write is
/// re-applied.
pub(crate) struct Core {
    raw: RawClient,
    coordinator: Coordinator,
    conflict_retries: u32,
    /// How long a write waits before the read that confirms it.
    confirm_wait: confirm::ConfirmWait,
}

impl Core {
    pub(crate) fn new(raw: RawClient, conflict_retries: u32, coordinator: Coordinator) -> Core {
        Core {
            raw,
            coordinator,
            conflict_retries,
            confirm_wait: confirm::ConfirmWait::default(),
        }
    }

    /// The generated client.
    pub(crate) fn raw(&self) -> &RawClient {
        &self.raw
    }
}

/// The list parameters a request sends; page and size are the paginator's to change.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListQuery {
    pub(crate) q: Option<String>,
    pub(crate) sort_by: Option<SortBy>,
    pub(crate) sort: Option<String>,
    pub(crate) with: Option<ListGroupsWith>,
    pub(crate) per_page: Option<std::num::NonZeroU32>,
    pub(crate) page: Option<std::num::NonZeroU32>,
}

/// The core bound to one organisation. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Org {
    core: Arc<Core>,
    /// As given, for display and for the lock keys.
    name: Arc<str>,
    /// As checked once; a refused id is reported by every call.
    id: Result<OrgId, Rejected>,
}

impl fmt::Debug for Org {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Org").field("org_id", &self.name).finish()
    }
}

impl Org {
    pub(crate) fn new(core: Arc<Core>, org_id: &str) -> Org {
        Org {
            core,
            name: Arc::from(org_id),
            id: validate::org_id(org_id),
        }
    }

    /// The organisation id as given.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    /// The core, to bind to another organisation.
    pub(crate) fn core_arc(&self) -> Arc<Core> {
        self.core.clone()
    }

    fn id(&self) -> Result<OrgId, Error> {
        self.id.clone().map_err(Error::from)
    }

    /// `getGroup`.
    pub(crate) async fn get(
        &self,
        group: GroupId,
        with: Option<GetGroupWith>,
    ) -> Result<Group, Error> {
        let mut request = (self.core.raw.get_group())
            .org_id(self.id()?)
            .group_id(group);
        if let Some(with) = with {
            request = request.with(with);
        }
        Ok(finish(&GET_GROUP, request.send()).await?.data)
    }

    /// `listGroups`: one page.
    pub(crate) async fn list(&self, query: &ListQuery) -> Result<GroupList, Error> {
        let mut request = self.core.raw.list_groups().org_id(self.id()?);
        let ListQuery {
            q,
            sort_by,
            sort,
            with,
            per_page,
            page,
        } = query;
        if let Some(page) = page {
            request = request.page(*page);
        }
        if let Some(q) = q {
            request = request.q(q.clone());
        }
        if let Some(sort_by) = sort_by {
            request = request.sort_by(*sort_by);
        }
        if let Some(sort) = sort {
            request = request.sort(sort.clone());
        }
        if let Some(with) = with {
            request = request.with(with.clone());
        }
        if let Some(per_page) = per_page {
            request = request.per_page(*per_page);
        }
        finish(&LIST_GROUPS, request.send()).await
    }

    /// `createGroup`.
    pub(crate) async fn create(&self, body: CreateGroupRequest) -> Result<Group, Error> {
        let request = self.core.raw.create_group().org_id(self.id()?).body(body);
        Ok(finish(&CREATE_GROUP, request.send()).await?.data)
    }

    /// `updateGroup`: one PUT of a complete body, no read, in turn with the other
    /// writes to the group the coordinator knows of (so it cannot land inside one of
    /// their read-modify-writes and be overwritten by it).
    pub(crate) async fn put(
        &self,
        group: &GroupId,
        body: UpdateGroupRequest,
    ) -> Result<Group, Error> {
        let org = self.id()?;
        let mut attempt = 0;
        loop {
            let put = |held| self.put_held(held, org.clone(), group, body.clone());
            let result = (self.core.coordinator)
                .serialized(&self.name, group, put)
                .await?;
            if !retry_lost(&result, group, &mut attempt) {
                return result;
            }
        }
    }

    /// The PUT, if the lock it runs under is still held (checked right before it).
    async fn put_held(
        &self,
        held: Held,
        org: OrgId,
        group: &GroupId,
        body: UpdateGroupRequest,
    ) -> Result<Group, Error> {
        if !held.is_held() {
            return Err(lock_lost(group));
        }
        self.put_unlocked(org, group, body).await
    }

    async fn put_unlocked(
        &self,
        org: OrgId,
        group: &GroupId,
        body: UpdateGroupRequest,
    ) -> Result<Group, Error> {
        let request = (self.core.raw.update_group())
            .org_id(org)
            .group_id(group.clone())
            .body(body);
        Ok(finish(&UPDATE_GROUP, request.send()).await?.data)
    }

    /// `deleteGroup`. A 204 or a 200 with a body both count as deleted.
    pub(crate) async fn delete(&self, group: GroupId) -> Result<(), Error> {
        let request = (self.core.raw.delete_group())
            .org_id(self.id()?)
            .group_id(group);
        finish(&DELETE_GROUP, request.send()).await
    }
}

impl Org {
    /// Reads the group and writes `plan(current)` back under the group's lock (see
    /// `rmw`), re-planning on a fresh copy at most `conflict_retries` times, then
    /// confirms the write on a later read (applying it again at most as often).
    pub(crate) async fn read_modify_write(
        &self,
        group: &GroupId,
        plan: impl FnMut(&Group) -> Result<Plan, Error>,
    ) -> Result<Group, Error> {
        let org = self.id()?;
        let mut plan = plan;
        let mut attempt = 0;
        loop {
            let (plan, org) = (&mut plan, &org);
            let work = |held: Held| {
                let settings = rmw::Settings {
                    group_id: group,
                    retries: self.core.conflict_retries,
                    wait: &self.core.confirm_wait,
                    jitter: confirm::jitter,
                };
                rmw::read_modify_write(
                    settings,
                    || self.get(group.clone(), None),
                    move |body| self.put_held(held.clone(), org.clone(), group, body),
                    plan,
                )
            };
            let result = (self.core.coordinator)
                .serialized(&self.name, group, work)
                .await?;
            if !retry_lost(&result, group, &mut attempt) {
                return result;
            }
        }
    }
}

/// Whether `result` is a lock lost before the write (nothing written) that may be
/// taken again: at most [`LOCK_RETRIES`] times.
fn retry_lost<T>(result: &Result<T, Error>, group: &GroupId, attempt: &mut u32) -> bool {
    let lost =
        matches!(result, Err(Error::Coordinator(e)) if e.kind() == CoordinatorErrorKind::LockLost);
    if lost && *attempt < LOCK_RETRIES {
        *attempt += 1;
        tracing::debug!(group_id = %**group, attempt = *attempt, "lock lost before the PUT; taking it again");
        return true;
    }
    false
}

fn lock_lost(group: &GroupId) -> Error {
    Error::Coordinator(CoordinatorError::new(
        CoordinatorErrorKind::LockLost,
        format!(
            "group {}: its lock was lost (expired or taken over) before the write each time; nothing was written",
            &**group
        ),
    ))
}
