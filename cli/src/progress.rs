//! What the CLI shows while rate limiting holds it: on a terminal, a progress bar's
//! message ("rate limited, resuming in 12 s (at 21:47:05 UTC)"); otherwise (a CI log)
//! one line on stderr for each wait of a second or more, so a log says why a job is
//! idle and until when. Reads the client's limiter; sends nothing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use tallyfy_groups::RateLimiter;

/// The progress display of one long command.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// When the last wait printed as a line ends (not on a terminal).
    printed: Option<SystemTime>,
}

impl Progress {
    /// A bar with `template` on a terminal; lines on stderr otherwise.
    pub fn new(terminal: bool, template: &str) -> Progress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, printed: None }
    }

    /// The bar, if there is one.
    pub fn bar(&self) -> Option<&ProgressBar> {
        self.bar.as_ref()
    }

    /// Shows what `limiter` is doing now: its pause and when it ends, or its rate.
    pub fn tick(&mut self, limiter: &RateLimiter) {
        let message = pacing_message(limiter);
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => {
                let Some(ends) = limiter
                    .pause_remaining()
                    .filter(|left| *left >= Duration::from_secs(1))
                else {
                    return;
                };
                let ends = SystemTime::now() + ends;
                // One line per wait: a wait ending within a second of the last printed
                // is the same one.
                let same = self.printed.is_some_and(|p| {
                    ends.duration_since(p)
                        .or_else(|e| Ok::<_, ()>(e.duration()))
                        .unwrap_or_default()
                        < Duration::from_secs(1)
                });
                if !same {
                    eprintln!("note: {message}");
                    self.printed = Some(ends);
                }
            }
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// "rate limited, resuming in N s (at HH:MM:SS UTC)", or the adaptive rate, or nothing.
pub fn pacing_message(limiter: &RateLimiter) -> String {
    if let Some(left) = limiter.pause_remaining() {
        let at = (SystemTime::now() + left)
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() % 86_400)
            .unwrap_or(0);
        format!(
            "rate limited, resuming in {} s (at {:02}:{:02}:{:02} UTC)",
            left.as_secs_f64().ceil(),
            at / 3600,
            at / 60 % 60,
            at % 60
        )
    } else if let Some(rate) = limiter.stats().adaptive_rate {
        format!("paced at {rate:.1} requests/s")
    } else {
        String::new()
    }
}
