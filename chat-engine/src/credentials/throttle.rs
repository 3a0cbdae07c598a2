//! Failed logins per account: after [`MAX_FAILURES`] wrong passwords or codes within
//! [`WINDOW`], the account refuses further attempts until the window ends, whatever address
//! they come from (the server limits each address on top).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::id::UserId;

/// Wrong attempts an account takes within [`WINDOW`].
pub(crate) const MAX_FAILURES: u32 = 5;
/// How long failures count.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Accounts tracked before the expired entries are swept.
const SWEEP_AT: usize = 10_000;

/// Failed attempts per account, in memory.
#[derive(Debug, Default)]
pub(crate) struct LoginThrottle {
    failures: Mutex<HashMap<UserId, (u32, Instant)>>,
}

impl LoginThrottle {
    /// Fails with `RateLimited` while the account has too many recent failures.
    pub(crate) fn check(&self, user: UserId) -> Result<()> {
        let failures = self.lock();
        match failures.get(&user) {
            Some((count, since)) if *count >= MAX_FAILURES && since.elapsed() < WINDOW => {
                Err(Error::RateLimited {
                    retry_after: WINDOW.saturating_sub(since.elapsed()),
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts a wrong password or code.
    pub(crate) fn failed(&self, user: UserId) {
        let mut failures = self.lock();
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = failures.entry(user).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    /// Forgets the failures after a successful login.
    pub(crate) fn succeeded(&self, user: UserId) {
        self.lock().remove(&user);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, (u32, Instant)>> {
        // Counters hold no invariant a panic could break halfway.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_refused_after_too_many_failures_and_forgiven_on_success() {
        let throttle = LoginThrottle::default();
        let user = UserId::from_ulid(ulid::Ulid::from_parts(1, 1));
        for _ in 0..MAX_FAILURES {
            assert!(throttle.check(user).is_ok());
            throttle.failed(user);
        }
        assert!(matches!(
            throttle.check(user),
            Err(Error::RateLimited { .. })
        ));
        throttle.succeeded(user);
        assert!(throttle.check(user).is_ok());
    }
}
