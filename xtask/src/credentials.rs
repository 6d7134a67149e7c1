//! The credentials and client settings of `spec-check --live`. Owns reading
//! `TALLYFY_ACCESS_TOKEN`, `TALLYFY_ORG_ID` and `TALLYFY_BASE_URL` (naming
//! the missing ones), keeping the token out of `Debug`, and the conservative
//! retry policy the live client uses.

use std::fmt;
use std::time::Duration;

use tallyfy_groups::{Capture, Client, ENV_BASE_URL, ENV_ORG_ID, ENV_TOKEN, RetryPolicy};

/// Where to call and with what; read from the environment.
#[derive(Clone)]
pub struct LiveConfig {
    token: String,
    org_id: String,
    base_url: Option<String>,
}

impl fmt::Debug for LiveConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveConfig")
            .field("token", &crate::redact::REDACTED)
            .field("org_id", &self.org_id)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl LiveConfig {
    /// Reads `TALLYFY_ACCESS_TOKEN`, `TALLYFY_ORG_ID` and the optional
    /// `TALLYFY_BASE_URL`; blank counts as unset. `Err` names the missing ones.
    pub fn from_env() -> Result<LiveConfig, Vec<&'static str>> {
        LiveConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like `from_env`, with the variables looked up by `var`.
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<LiveConfig, Vec<&'static str>> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let (token, org_id) = (get(ENV_TOKEN), get(ENV_ORG_ID));
        match (token, org_id) {
            (Some(token), Some(org_id)) => Ok(LiveConfig {
                token,
                org_id,
                base_url: get(ENV_BASE_URL),
            }),
            (token, org_id) => Err(
                [(token.is_none(), ENV_TOKEN), (org_id.is_none(), ENV_ORG_ID)]
                    .into_iter()
                    .filter_map(|(missing, name)| missing.then_some(name))
                    .collect(),
            ),
        }
    }

    /// The access token: for redaction checks only, never for output.
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }
}

/// At most two retries, only where the client deems it safe (429, and 502,
/// 503, 504 or a failed connection for these GETs), 2 s then 4 s apart (with
/// jitter) unless `Retry-After` says otherwise, up to 60 s.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(2)
        .with_backoff(Duration::from_secs(2), Duration::from_secs(10))
        .with_max_retry_after(Duration::from_secs(60))
}

impl LiveConfig {
    /// The crate's own client for this configuration, with [`retry_policy`], keeping
    /// every response it receives in `capture`.
    /// Pacing is off: paced, 429s would be retried beyond the policy's two retries.
    /// `Err` names what is wrong (a base URL that is not https or loopback, …).
    pub fn client(&self, capture: Capture) -> Result<Client, String> {
        let mut builder = Client::builder()
            .token(self.token.clone())
            .org_id(self.org_id.clone())
            .retry_policy(retry_policy())
            .capture(capture)
            .rate_limiter(tallyfy_groups::RateLimiter::unpaced());
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.clone());
        }
        builder
            .build()
            .map_err(|e| format!("cannot set up the client: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_variables_are_named() {
        let none = LiveConfig::from_lookup(|_| None).unwrap_err();
        assert_eq!(none, vec![ENV_TOKEN, ENV_ORG_ID]);
        let blank_org = LiveConfig::from_lookup(|name| {
            Some(if name == ENV_ORG_ID { " " } else { "t" }.to_string())
        })
        .unwrap_err();
        assert_eq!(blank_org, vec![ENV_ORG_ID]);
        let config = LiveConfig::from_lookup(|name| match name {
            ENV_TOKEN => Some("secret-token".to_string()),
            ENV_ORG_ID => Some("org".to_string()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.token(), "secret-token");
        assert!(!format!("{config:?}").contains("secret-token"));
    }
}
