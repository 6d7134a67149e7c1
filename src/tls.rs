//! TLS for the crate's own `reqwest::Client`: which backend speaks HTTPS and with which
//! crypto provider, chosen by cargo features, and where the root certificates come from.
//!
//! | feature | backend | roots |
//! |---|---|---|
//! | `rustls-ring` (default) | rustls, ring provider | the platform's, via `rustls-platform-verifier` |
//! | `rustls-aws-lc` | rustls, aws-lc-rs provider | the platform's, via `rustls-platform-verifier` |
//! | `native-tls` | OpenSSL / Security.framework / SChannel | the platform's |
//!
//! Features are additive, so more than one may be on (a dependency of the application
//! enables another, or `default-features` was left on): the most specific choice wins,
//! `native-tls` over `rustls-aws-lc` over `rustls-ring`, the same on every build. With
//! none of them the crate does not compile (the API is HTTPS only).
//!
//! The rustls configuration is the one reqwest's own `rustls` feature builds (the
//! platform verifier, TLS 1.2 and 1.3, ALPN `h2` and `http/1.1`), with the provider
//! handed to this client alone. This module must never change process-wide state:
//! no `CryptoProvider::install_default`, no environment, no globals; an application
//! that installs its own default provider keeps it, and this client ignores it.
//!
//! With rustls, reqwest's own TLS settings (`tls_certs_merge`, `tls_version_min`,
//! `tls_danger_accept_invalid_certs`, …) do not apply to a preconfigured `ClientConfig`:
//! any TLS option the crate grows belongs in this module.

use crate::error::Error;

#[cfg(not(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
)))]
compile_error!(
    "tallyfy-groups needs a TLS feature: enable one of `rustls-ring` (the default), \
     `rustls-aws-lc` or `native-tls`"
);

/// Sets up TLS on `builder` for the backend the features select.
pub(crate) fn configure(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    #[cfg(feature = "native-tls")]
    {
        Ok(builder.tls_backend_native())
    }
    #[cfg(not(feature = "native-tls"))]
    {
        with_rustls::configure(builder)
    }
}

#[cfg(all(
    any(feature = "rustls-ring", feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
mod with_rustls {
    use std::sync::Arc;

    use rustls::ClientConfig;
    use rustls::crypto::CryptoProvider;
    use rustls_platform_verifier::BuilderVerifierExt;

    use crate::error::Error;

    /// The provider this build uses, for error messages.
    const BACKEND: &str = if cfg!(feature = "rustls-aws-lc") {
        "rustls (aws-lc-rs)"
    } else {
        "rustls (ring)"
    };

    pub(super) fn configure(
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        Ok(builder.tls_backend_preconfigured(client_config()?))
    }

    /// What reqwest builds for its `rustls` feature, with this crate's provider.
    pub(super) fn client_config() -> Result<ClientConfig, Error> {
        let failed =
            |e: rustls::Error| Error::Config(format!("cannot set up TLS ({BACKEND}): {e}"));
        let mut config = ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_platform_verifier()
            .map_err(failed)?
            .with_no_client_auth();
        // reqwest sets ALPN itself only on configurations it builds.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }

    #[cfg(feature = "rustls-aws-lc")]
    fn provider() -> CryptoProvider {
        rustls::crypto::aws_lc_rs::default_provider()
    }

    #[cfg(not(feature = "rustls-aws-lc"))]
    fn provider() -> CryptoProvider {
        rustls::crypto::ring::default_provider()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        // Proves the configuration offers HTTP/2 as reqwest's own does (reqwest leaves
        // ALPN alone on a preconfigured one), and that building it installs no
        // process-wide default provider.
        #[test]
        fn config_offers_h2_and_installs_nothing() {
            let config = client_config().unwrap();
            assert_eq!(
                config.alpn_protocols,
                [b"h2".to_vec(), b"http/1.1".to_vec()]
            );
            assert!(CryptoProvider::get_default().is_none());
        }
    }
}
