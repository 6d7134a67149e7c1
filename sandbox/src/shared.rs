//! The state a sandbox's handlers share with its [`Sandbox`](crate::Sandbox)
//! handle: the configuration, the store (and the one way to change it, which
//! saves the state file), the request counter, the limiter and the base URL.
//! [`crate::server`] serves it; [`crate::routes`] reads and changes it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::config::SandboxBuilder;
use crate::errors::ApiError;
use crate::limit::SandboxLimiter;
use crate::state_file::StateFile;
use crate::store::Store;

/// Numbers the sandboxes of this process, so request ids differ between them.
static INSTANCES: AtomicU64 = AtomicU64::new(1);

/// State shared by the handlers and the [`Sandbox`](crate::Sandbox) handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: SandboxBuilder,
    store: Mutex<Store>,
    /// Where changes are saved, if anywhere; written only under `store`'s lock.
    state: Option<StateFile>,
    pub(crate) requests: AtomicU64,
    pub(crate) base_url: String,
    instance: u64,
    pub(crate) limiter: Option<SandboxLimiter>,
}

impl Shared {
    pub(crate) fn new(
        config: SandboxBuilder,
        store: Store,
        state: Option<StateFile>,
        base_url: String,
    ) -> Self {
        Shared {
            limiter: config.limit.map(SandboxLimiter::new),
            store: Mutex::new(store),
            state,
            config,
            requests: AtomicU64::new(0),
            base_url,
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The store, locked, for reading. Changes go through [`change`](Self::change).
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `edit` to a copy of the store under the lock; if it succeeds,
    /// saves the copy to the state file (when there is one) and only then
    /// makes it the store. So an answer is sent only after its change is on
    /// disk, and a change that cannot be saved is not kept (500).
    pub(crate) fn change<T>(
        &self,
        edit: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut store = self.store();
        let Some(state) = &self.state else {
            return edit(&mut store);
        };
        let mut next = store.clone();
        let out = edit(&mut next)?;
        if let Err(e) = state.save(&next) {
            eprintln!(
                "tallyfy-groups sandbox: cannot save {}: {e}; the change was not kept",
                state.path().display()
            );
            return Err(ApiError::StateNotSaved);
        }
        *store = next;
        Ok(out)
    }

    /// The state file's path, if there is one.
    pub(crate) fn state_path(&self) -> Option<&Path> {
        self.state.as_ref().map(StateFile::path)
    }

    /// The `X-Request-Id` of request `n`: unique within the process (the
    /// sandbox's instance number, then `n`).
    pub(crate) fn request_id(&self, n: u64) -> String {
        format!("sbx{}-{n:06}", self.instance)
    }

    /// The absolute URL of an organisation's list endpoint.
    pub(crate) fn groups_url(&self, org_id: &str) -> String {
        format!(
            "{}/organizations/{}/groups",
            self.base_url,
            encode_segment(org_id)
        )
    }
}

/// What a path segment keeps as is: RFC 3986 unreserved characters only.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment (everything but RFC 3986 unreserved characters).
fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode_segment;

    // Proves a path segment keeps exactly the RFC 3986 unreserved characters
    // and percent-encodes every other byte (UTF-8, upper-case hex).
    #[test]
    fn segments_keep_only_unreserved_characters() {
        assert_eq!(encode_segment("aZ09-._~"), "aZ09-._~");
        assert_eq!(encode_segment("a b/ç?#%"), "a%20b%2F%C3%A7%3F%23%25");
    }
}
