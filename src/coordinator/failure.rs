//! [`CoordinatorError`]: why a coordinator could not serve a lock or the shared quota.
//! Its message never carries the coordinator's URL, password or the access token.

use std::fmt;
use std::time::Duration;

/// What went wrong with the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoordinatorErrorKind {
    /// The coordinator's server could not be reached or answered with an error.
    /// With [`Unavailable::FailClosed`](crate::Unavailable::FailClosed) (the default)
    /// nothing was written.
    Unavailable,
    /// Another process held the group's lock for longer than the lock wait.
    LockTimeout,
    /// The group's lock expired or was taken over before the write, every time it
    /// was taken; nothing was written under a lost lock.
    LockLost,
    /// A setting of the coordinator is not valid (a quota of zero, a bad URL).
    Config,
}

/// Why a coordinator could not serve a lock or the shared quota
/// ([`Error::Coordinator`](crate::Error::Coordinator)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinatorError {
    kind: CoordinatorErrorKind,
    message: String,
}

impl CoordinatorError {
    pub(crate) fn new(kind: CoordinatorErrorKind, message: impl Into<String>) -> Self {
        CoordinatorError {
            kind,
            message: message.into(),
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn lock_timeout(group_id: &str, waited: Duration) -> Self {
        Self::new(
            CoordinatorErrorKind::LockTimeout,
            format!(
                "group {group_id}: its lock stayed held by another writer for {} s (the lock wait); nothing was written",
                waited.as_secs_f64()
            ),
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> CoordinatorErrorKind {
        self.kind
    }
}

impl fmt::Display for CoordinatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CoordinatorError {}
