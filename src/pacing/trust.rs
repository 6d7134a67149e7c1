//! Whether the header model ([`super::window::Window`]) is believed. Some servers
//! send `X-RateLimit-*` with other meanings (a token bucket whose `Reset` is the next
//! whole second, as if a window reopened then): a 429 to a request the model let go
//! with requests left is one the model says cannot happen. Then the model is not
//! believed — its holds are ignored and its 429s are unexplained, so the adaptive
//! rate paces — for a minute, doubling each time it is contradicted again, up to an
//! hour; it keeps being updated in the meantime, so its contradictions are still
//! seen. Pure state on tokio's clock, driven by [`super::RateLimiter`].

use std::time::Duration;

use tokio::time::Instant;

/// How long the model is not believed after its first contradiction.
const FIRST: Duration = Duration::from_secs(60);
/// The longest it is not believed after one contradiction.
const LONGEST: Duration = Duration::from_secs(3600);

/// The header model's standing.
#[derive(Debug, Default)]
pub(crate) struct Trust {
    /// Not believed before this.
    distrusted_until: Option<Instant>,
    /// How long the next spell of not believing it lasts (zero: `FIRST`).
    next: Duration,
}

impl Trust {
    /// Whether the model is believed at `now`.
    pub(crate) fn believed(&self, now: Instant) -> bool {
        self.distrusted_until.is_none_or(|until| until <= now)
    }

    /// A 429 at `now` to a request the model vouched for (requests were left). While
    /// not believed already, the spell is stretched to its length from now; once
    /// believed again, the next spell is twice as long.
    pub(crate) fn contradicted(&mut self, now: Instant) {
        let length = if self.believed(now) {
            let length = self.next.max(FIRST);
            self.next = (length * 2).min(LONGEST);
            tracing::info!(
                target: "tallyfy_groups::pacing",
                distrust_s = length.as_secs(),
                "a 429 the rate-limit headers said could not happen: not believing them"
            );
            length
        } else {
            self.next / 2
        };
        let until = now + length;
        self.distrusted_until = Some(self.distrusted_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a contradiction makes the model not believed for a minute, another one
    // within that minute (the same wave) does not stretch it, and one after it for
    // two minutes.
    #[tokio::test(start_paused = true)]
    async fn distrust_lasts_a_minute_then_doubles() {
        let mut trust = Trust::default();
        let t0 = Instant::now();
        assert!(trust.believed(t0));
        trust.contradicted(t0);
        trust.contradicted(t0);
        assert!(!trust.believed(t0 + Duration::from_secs(59)));
        assert!(trust.believed(t0 + FIRST));
        let later = t0 + FIRST;
        trust.contradicted(later);
        assert!(!trust.believed(later + Duration::from_secs(119)));
        assert!(trust.believed(later + Duration::from_secs(120)));
    }
}
