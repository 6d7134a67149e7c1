//! The credentials and client settings of `spec-check --live`. Owns reading
//! `TALLYFY_ACCESS_TOKEN`, `TALLYFY_ORG_ID` and `TALLYFY_BASE_URL` (naming
//! the missing ones), refusing a base URL that would send the token in clear
//! text to another machine, keeping the token out of `Debug`, and the
//! conservative retry policy the live client (`http`) applies.
//!
//! The xtask does not use the library's client (it must build and run when a
//! spec edit breaks the library), so the names and defaults below are its own
//! copies of the library's (`ENV_TOKEN`, `ENV_ORG_ID`, `ENV_BASE_URL`,
//! `DEFAULT_BASE_URL`, `DEFAULT_TALLYFY_CLIENT`).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::placeholders::REDACTED;

/// The access token's variable.
pub const ENV_TOKEN: &str = "TALLYFY_ACCESS_TOKEN";
/// The organisation id's variable.
pub const ENV_ORG_ID: &str = "TALLYFY_ORG_ID";
/// The optional base URL's variable.
pub const ENV_BASE_URL: &str = "TALLYFY_BASE_URL";
/// The API's documented base URL.
pub const DEFAULT_BASE_URL: &str = "https://go.tallyfy.com/api";
/// The `X-Tallyfy-Client` value Tallyfy's API clients send (the spec's default).
pub const TALLYFY_CLIENT: &str = "APIClient";

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
            .field("token", &REDACTED)
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
                token: token.trim().to_string(),
                org_id: org_id.trim().to_string(),
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

    /// The access token: for the `Authorization` header and redaction checks
    /// only, never for output.
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The base URL without a trailing `/`, checked: https anywhere, plain
    /// http only to this machine (the sandbox, a mock). `Err` says why not.
    pub fn base_url(&self) -> Result<reqwest::Url, String> {
        let raw = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL).trim();
        let raw = raw.trim_end_matches('/');
        let url = reqwest::Url::parse(raw)
            .map_err(|e| format!("{ENV_BASE_URL} {raw:?} is not a URL: {e}"))?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{ENV_BASE_URL} {raw:?} must not have a query or a fragment"
            ));
        }
        match url.scheme() {
            "https" => Ok(url),
            "http" if is_loopback(&url) => Ok(url),
            "http" => Err(format!(
                "refusing to send the token over plain http to {}; use https \
                 (plain http only to localhost)",
                url.host_str().unwrap_or("?")
            )),
            other => Err(format!(
                "{ENV_BASE_URL} scheme {other:?} is not supported; use https"
            )),
        }
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// When the live client retries, and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff delay (doubled for each further retry).
    pub initial_delay: Duration,
    /// The largest backoff delay.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one waits this long.
    pub max_retry_after: Duration,
    /// Whether a random fraction (up to the delay itself) is added to backoffs.
    pub jitter: bool,
}

/// At most two retries, only where it is safe for these GETs (429, 502, 503,
/// 504, a failed connection), 2 s then 4 s apart (with jitter) unless
/// `Retry-After` says otherwise, up to 60 s.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        initial_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(10),
        max_retry_after: Duration::from_secs(60),
        jitter: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: Option<&str>) -> LiveConfig {
        LiveConfig::from_lookup(|name| match name {
            ENV_TOKEN => Some("secret-token".to_string()),
            ENV_ORG_ID => Some("org".to_string()),
            ENV_BASE_URL => base_url.map(str::to_string),
            _ => None,
        })
        .unwrap()
    }

    // Proves the missing variables are named (blank counts as missing) and
    // that Debug never shows the token.
    #[test]
    fn missing_variables_are_named() {
        let none = LiveConfig::from_lookup(|_| None).unwrap_err();
        assert_eq!(none, vec![ENV_TOKEN, ENV_ORG_ID]);
        let blank_org = LiveConfig::from_lookup(|name| {
            Some(if name == ENV_ORG_ID { " " } else { "t" }.to_string())
        })
        .unwrap_err();
        assert_eq!(blank_org, vec![ENV_ORG_ID]);
        let config = config(None);
        assert_eq!(config.token(), "secret-token");
        assert!(!format!("{config:?}").contains("secret-token"));
    }

    // Proves which base URLs the token may go to: https anywhere, http only
    // to loopback; the default is the documented one; a trailing `/` is
    // dropped; other schemes, queries and non-URLs are refused with a reason.
    #[test]
    fn base_urls_are_checked() {
        let url = |base: Option<&str>| config(base).base_url().map(|u| u.to_string());
        assert_eq!(url(None).unwrap(), DEFAULT_BASE_URL);
        assert_eq!(
            url(Some("https://api.example.com/")).unwrap(),
            "https://api.example.com/"
        );
        assert_eq!(
            url(Some("http://127.0.0.1:8080/api/")).unwrap(),
            "http://127.0.0.1:8080/api"
        );
        assert!(url(Some("http://localhost/api")).is_ok());
        assert!(url(Some("http://[::1]:9/api")).is_ok());
        let refused = url(Some("http://example.com/api")).unwrap_err();
        assert!(refused.contains("plain http to example.com"), "{refused}");
        assert!(url(Some("ftp://example.com")).unwrap_err().contains("ftp"));
        assert!(url(Some("not a url")).unwrap_err().contains("not a URL"));
        assert!(url(Some("https://h.test/api?x=1")).is_err());
    }
}
